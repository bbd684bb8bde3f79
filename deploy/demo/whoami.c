/* whoami: the demo application that forward auth protects in `make run`
   and in the tests. A libfcgi responder that shows whom the web server
   says it is serving. A real application reads REMOTE_USER, which only
   the server sets; HTTP_REMOTE_USER is whatever header the client sent,
   shown here to prove it is not taken for the user. */
#include <fcgiapp.h>
#include <stdlib.h>

static const char *param(const char *name, FCGX_ParamArray env) {
    const char *v = FCGX_GetParam(name, env);
    return v ? v : "";
}

int main(void) {
    FCGX_Stream *in, *out, *err;
    FCGX_ParamArray env;
    while (FCGX_Accept(&in, &out, &err, &env) >= 0) {
        FCGX_FPrintF(out, "Content-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n\r\n"
                     "REMOTE_USER=%s\nGATEHOUSE_EMAIL_VERIFIED=%s\nHTTP_REMOTE_USER=%s\nMETHOD=%s\n",
                     param("REMOTE_USER", env), param("GATEHOUSE_EMAIL_VERIFIED", env),
                     param("HTTP_REMOTE_USER", env), param("REQUEST_METHOD", env));
    }
    return 0;
}
