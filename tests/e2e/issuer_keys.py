"""A test token issuer: RSA and EC keys (python3-cryptography), a JWKS both
as a file and served over https from a local server with its own
certificate, and tokens signed with PyJWT (python3-jwt) in Cognito's shape
(token_use, client_id) or Google's (aud, email)."""

import base64
import datetime
import http.server
import json
import ssl
import threading
import time
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

COGNITO_ISS = "https://cognito-idp.test.example/pool-1"
GOOGLE_ISS = "https://accounts.google.test"
COGNITO_CLIENT_ID = "status-app-client"
GOOGLE_AUDIENCE = "pebbles.apps.test"
REFRESH_SECONDS = 2


def b64(n_bytes):
    return base64.urlsafe_b64encode(n_bytes).rstrip(b"=").decode()


def int_b64(n):
    return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def rsa_jwk(key, kid):
    pub = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": int_b64(pub.n), "e": int_b64(pub.e)}


def ec_jwk(key, kid):
    pub = key.public_key().public_numbers()
    return {"kty": "EC", "kid": kid, "use": "sig", "crv": "P-256",
            "x": b64(pub.x.to_bytes(32, "big")), "y": b64(pub.y.to_bytes(32, "big"))}


def pem_private(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def pem_public(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


class JwksServer:
    """Serves one JWKS document over https on 127.0.0.1 and counts the GETs."""

    def __init__(self, directory):
        self.document = b'{"keys":[]}'
        self.requests = 0
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.utcnow()
        import ipaddress
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=7))
                .add_extension(x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .sign(key, hashes.SHA256()))
        self.cert_path = Path(directory) / "jwks-cert.pem"
        key_path = Path(directory) / "jwks-key.pem"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(pem_private(key))
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.requests += 1
                body = server.document
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(self.cert_path), str(key_path))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = "https://127.0.0.1:%d/.well-known/jwks.json" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


class TestIssuers:
    """Two issuers: "cognito" (RS256, JWKS over https) and "google" (RS256
    and ES256, JWKS in a file)."""

    __test__ = False  # not a pytest class
    google_iss = GOOGLE_ISS
    google_aud = GOOGLE_AUDIENCE

    def __init__(self, directory):
        self.dir = Path(directory)
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.rsa_next = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.server = JwksServer(directory)
        self.google_jwks = self.dir / "google-jwks.json"
        self.set_cognito_keys(["rsa-1"])
        self.set_google_keys(["rsa-1", "ec-1"])
        self.issuers_file = self.dir / "issuers.json"
        self.issuers_file.write_text(json.dumps({
            "refresh_seconds": REFRESH_SECONDS,
            "fetch_timeout_ms": 1500,
            "issuers": [
                {"name": "cognito", "issuer": COGNITO_ISS, "jwks_uri": self.server.url,
                 "jwks_ca_file": str(self.server.cert_path), "client_id": COGNITO_CLIENT_ID,
                 "token_use": "access", "email_claim": "email"},
                {"name": "google", "issuer": GOOGLE_ISS, "jwks_file": str(self.google_jwks),
                 "audience": GOOGLE_AUDIENCE, "email_claim": "email"},
            ]}))

    def _jwks(self, kids):
        keys = {"rsa-1": lambda: rsa_jwk(self.rsa, "rsa-1"),
                "rsa-2": lambda: rsa_jwk(self.rsa_next, "rsa-2"),
                "ec-1": lambda: ec_jwk(self.ec, "ec-1")}
        return json.dumps({"keys": [keys[k]() for k in kids]}).encode()

    def set_cognito_keys(self, kids):
        self.server.document = self._jwks(kids)

    def set_google_keys(self, kids):
        tmp = self.google_jwks.with_suffix(".tmp")
        tmp.write_bytes(self._jwks(kids))
        tmp.replace(self.google_jwks)

    def key_for(self, kid):
        # An unknown kid signs with the first key: only the kid is wrong.
        return {"rsa-2": self.rsa_next, "ec-1": self.ec}.get(kid, self.rsa)

    def cognito(self, sub, email=None, kid="rsa-1", lifetime=600, **claims):
        now = int(time.time())
        payload = {"iss": COGNITO_ISS, "sub": sub, "client_id": COGNITO_CLIENT_ID,
                   "token_use": "access", "scope": "aws.cognito.signin.user.admin",
                   "iat": now, "exp": now + lifetime, "username": sub}
        if email:
            payload["email"] = email
        payload.update(claims)
        return self.sign(payload, kid)

    def google(self, sub, email, kid="rsa-1", lifetime=600, **claims):
        now = int(time.time())
        payload = {"iss": GOOGLE_ISS, "sub": sub, "aud": GOOGLE_AUDIENCE, "email": email,
                   "email_verified": True, "iat": now, "exp": now + lifetime}
        payload.update(claims)
        return self.sign(payload, kid)

    def sign(self, payload, kid, key=None, alg=None):
        key = key or self.key_for(kid)
        if alg is None:
            alg = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"
        return jwt.encode(payload, pem_private(key), algorithm=alg, headers={"kid": kid})

    def close(self):
        self.server.close()
