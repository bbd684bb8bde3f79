/* The C reference point for CGI mode: one constant answer per process. */
#include <stdio.h>

int main(void) {
    fputs("Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}", stdout);
    return 0;
}
