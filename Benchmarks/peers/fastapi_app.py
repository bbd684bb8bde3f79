"""The peer Gatehouse replaces, rebuilt for the benchmark from the
original's description: a FastAPI app whose users and codes live in a
dict, with pydantic schemas and an OAuth2 bearer dependency. Only what the
benchmark asks: POST /verify-otp with a bearer token and a code, answering
403 "Invalid OTP" to a wrong one. Run under uvicorn with 2 workers behind
the same nginx as Gatehouse (Benchmarks/bench.py)."""
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

users = {"bench@example.com": {"otp": "424242"}}


class OTPSchema(BaseModel):
    code: str


@app.post("/verify-otp")
async def verify_otp(otp: OTPSchema, token: str = Depends(oauth2_scheme)):
    user = users.get("bench@example.com")  # the original, too, took the user on trust
    if not user or user["otp"] != otp.code:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Invalid OTP")
    user["otp"] = None
    return {"msg": "OTP verified successfully"}
