/* whoami: the demo application that forward auth protects in `make run`
   and in the tests. A libfcgi responder that shows whom the web server
   says it is serving. A real application reads REMOTE_USER, which only
   the server sets; HTTP_* is whatever header the client sent. Every
   HTTP_* parameter is listed too (as `header NAME=value`), so a test can
   see that no identity header a client forged got through. */
#include <fcgiapp.h>
#include <stdlib.h>
#include <string.h>

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
        /* A REMOTE_USER sent twice leaves an application to pick one (libfcgi
           takes the first, PHP-FPM the last): the recipes send it once. */
        int remote_users = 0;
        for (char **e = env; *e; e++) remote_users += strncmp(*e, "REMOTE_USER=", 12) == 0;
        FCGX_FPrintF(out, "REMOTE_USER_SENT=%d\n", remote_users);
        for (char **e = env; *e; e++)
            if (strncmp(*e, "HTTP_", 5) == 0 && strncmp(*e, "HTTP_COOKIE=", 12) != 0 && strncmp(*e, "HTTP_AUTHORIZATION=", 19) != 0)
                FCGX_FPrintF(out, "header %s\n", *e);
    }
    return 0;
}
