#ifndef QUARRY_WAKE_H
#define QUARRY_WAKE_H
/* Waking the dispatcher: the API sends one datagram after it queues a job or
 * asks for a cancel, so that quarry-jobd acts at once instead of at its next
 * poll. The datagram carries no meaning; losing it only costs latency. */

/* Sends one datagram to the dispatcher's UNIX datagram socket. Never blocks
 * and never fails visibly: a dispatcher that is down or busy polls anyway. */
void jobd_wake(const char *socket_path);

#endif
