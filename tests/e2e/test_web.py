"""The web page nginx serves at / (web/), and that it talks only to the API."""


def test_page_and_assets_are_served(client):
    for path, ctype, marker in (("/", "text/html", b"<title>Quarry</title>"),
                                ("/quarry.js", "application/javascript", b'const api = "/api/v1"'),
                                ("/quarry.css", "text/css", b"body {")):
        status, headers, data = client.request("GET", path)
        assert status == 200, path
        assert headers["Content-Type"].startswith(ctype), (path, headers["Content-Type"])
        assert marker in data, path


def test_page_uses_the_flows_it_shows(client):
    _, _, js = client.request("GET", "/quarry.js")
    # Sign in, signed upload, mark uploaded, ETag polling, signed download.
    for call in (b'"/auth/login"', b"/upload-url", b"/mark-uploaded", b"If-None-Match", b"/download-url"):
        assert call in js, call
