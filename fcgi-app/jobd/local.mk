# quarry-jobd: the dispatcher (claims jobs, spawns quarry-process, watches it).
noinst_LIBRARIES += libquarry_jobd.a
libquarry_jobd_a_CPPFLAGS = $(COMMON_CPPFLAGS)
libquarry_jobd_a_SOURCES = \
	fcgi-app/jobd/dispatcher.c fcgi-app/jobd/dispatcher.h \
	fcgi-app/jobd/outcome.c fcgi-app/jobd/outcome.h \
	fcgi-app/jobd/retention.c fcgi-app/jobd/retention.h \
	fcgi-app/jobd/scheduler.c fcgi-app/jobd/scheduler.h \
	fcgi-app/jobd/spawn.c fcgi-app/jobd/spawn.h \
	fcgi-app/jobd/wake_listen.c fcgi-app/jobd/wake_listen.h \
	fcgi-app/jobd/webhook_sender.c fcgi-app/jobd/webhook_sender.h

bin_PROGRAMS += quarry-jobd
quarry_jobd_SOURCES = fcgi-app/jobd/main.c
quarry_jobd_CPPFLAGS = $(libquarry_jobd_a_CPPFLAGS)
quarry_jobd_LDADD = libquarry_jobd.a $(COMMON_LIBS)
