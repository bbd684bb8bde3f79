import GatehouseResponder
import token
import logout
import me
import change_password
import send_otp
import verify_otp
import verify
import openapi
import mfa
import reauth
import sessions
import passkeys
import change_email
import signup
import delete_account
import export

// Every responder, chosen by the name this file is linked under (MultiCall).
MultiCall.run([token.responder, logout.responder, me.responder, change_password.responder, send_otp.responder, verify_otp.responder, verify.responder, openapi.responder, mfa.responder, reauth.responder, sessions.responder, passkeys.responder, change_email.responder, signup.responder, delete_account.responder, export.responder])
