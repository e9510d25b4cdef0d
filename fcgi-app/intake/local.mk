# quarry-intake: consumes progress messages from AMQP queues (librabbitmq).
noinst_LIBRARIES += libquarry_intake.a
libquarry_intake_a_CPPFLAGS = $(COMMON_CPPFLAGS) $(RABBITMQ_CFLAGS)
libquarry_intake_a_SOURCES = \
	fcgi-app/intake/broker.c fcgi-app/intake/broker.h \
	fcgi-app/intake/intake.c fcgi-app/intake/intake.h \
	fcgi-app/intake/intake_store.c fcgi-app/intake/intake_store.h

bin_PROGRAMS += quarry-intake
quarry_intake_SOURCES = fcgi-app/intake/main.c
quarry_intake_CPPFLAGS = $(libquarry_intake_a_CPPFLAGS)
quarry_intake_LDADD = libquarry_intake.a $(COMMON_LIBS) $(RABBITMQ_LIBS)
