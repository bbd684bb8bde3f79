/* The protected application of the forward-auth tests: a libfcgi
   responder that shows whom the web server says it is serving. */
#include <fcgiapp.h>
#include <stdlib.h>

int main(void) {
    FCGX_Stream *in, *out, *err;
    FCGX_ParamArray env;
    while (FCGX_Accept(&in, &out, &err, &env) >= 0) {
        const char *user = FCGX_GetParam("REMOTE_USER", env);
        const char *forged = FCGX_GetParam("HTTP_REMOTE_USER", env);
        const char *method = FCGX_GetParam("REQUEST_METHOD", env);
        FCGX_FPrintF(out, "Content-Type: text/plain\r\n\r\nREMOTE_USER=%s\nHTTP_REMOTE_USER=%s\nMETHOD=%s\n",
                     user ? user : "", forged ? forged : "", method ? method : "");
    }
    return 0;
}
