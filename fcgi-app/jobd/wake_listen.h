#ifndef QUARRY_JOBD_WAKE_LISTEN_H
#define QUARRY_JOBD_WAKE_LISTEN_H
/* The receiving end of jobd_wake() (common/wake.h). */

/* Binds a non-blocking UNIX datagram socket at path (a stale socket file is
 * removed first; mode 0660 so that the API's group may write). Returns the
 * descriptor, or -1 with errno. */
int wake_listen_open(const char *path);
/* Reads every pending datagram; returns how many there were. */
int wake_listen_drain(int fd);
/* Closes the socket and removes its file. */
void wake_listen_close(int fd, const char *path);

#endif
