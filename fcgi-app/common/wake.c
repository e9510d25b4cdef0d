#include "common/wake.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void jobd_wake(const char *socket_path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (socket_path == NULL || strlen(socket_path) >= sizeof(addr.sun_path))
        return;
    memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    /* A full receive queue (EAGAIN) already means a wake-up is pending. */
    (void)sendto(fd, "w", 1, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&addr,
                 sizeof(addr));
    close(fd);
}
