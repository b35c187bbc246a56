"""Documents printed from a contest: the rules, the draw and winner certificates, QR codes."""
