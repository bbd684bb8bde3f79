// The Swift reference point for CGI mode: a static-stdlib program that
// answers one constant, so a Gatehouse CGI exec is compared with the least
// any Swift program of this toolchain costs to start.
print("Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}", terminator: "")
