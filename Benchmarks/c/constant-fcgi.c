/* The C reference point of the benchmark: a libfcgi responder answering a constant. */
#include <fcgiapp.h>

int main(void) {
    FCGX_Request request;
    FCGX_Init();
    FCGX_InitRequest(&request, 0, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}", request.out);
        FCGX_Finish_r(&request);
    }
    return 0;
}
