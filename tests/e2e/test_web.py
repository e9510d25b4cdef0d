"""The web page nginx serves at / (web/): its files, their types, and the
API side of the page's defects."""

import gzip
import re

from quarry_client import FINISHED, csv_rows, run_job, wait_job


def test_page_and_modules_are_served(client):
    for path, ctype, marker in (("/", "text/html", b'<script type="module" src="js/app.js">'),
                                ("/js/app.js", "application/javascript", b"const ROUTES = ["),
                                ("/js/api.js", "application/javascript", b'const BASE = "/api/v1"'),
                                ("/js/strings.js", "application/javascript", b"export const S = {"),
                                ("/css/quarry.css", "text/css", b":root {")):
        status, headers, data = client.request("GET", path, headers={"Accept-Encoding": "gzip"})
        assert status == 200, path
        assert headers["Content-Type"].startswith(ctype), (path, headers["Content-Type"])
        assert headers["Content-Encoding"] == "gzip", path
        data = gzip.decompress(data)
        assert marker in data, path


def test_every_page_module_is_served(client):
    _, _, app = client.request("GET", "/js/app.js")
    pages = re.findall(rb'import\("\./(pages/[a-z]+\.js)"\)', app)
    assert len(pages) >= 8, pages
    for page in pages:
        status, headers, data = client.request("GET", "/js/" + page.decode())
        assert status == 200 and b"export async function render(ctx)" in data, page


def test_a_failed_run_that_read_nothing_reports_no_progress(stack, client):
    """A run that fails before its first record (here a filter on a column the
    file lacks) used to report the bytes its reader had buffered: 65 %, or
    100 % for a small file."""
    user = client.register_and_login()
    for rows in (30, 30000):
        job_id = run_job(client, user["token"], csv_rows(rows), name="nothing-read.csv",
                         steps=[{"type": "filter", "params": {"column": "nope", "operator": "eq", "value": "x"}}])
        job = wait_job(client, user["token"], job_id, FINISHED, timeout=60)
        assert job["status"] == "FAILED", job
        assert job["progress"]["processed_records"] == 0, job
        assert job["progress"]["percentage"] == 0, job["progress"]
    # A run that read rows still reports them: 100 % once completed.
    job_id = run_job(client, user["token"], csv_rows(30), name="read.csv")
    job = wait_job(client, user["token"], job_id, FINISHED, timeout=60)
    assert job["status"] == "COMPLETED" and job["progress"]["percentage"] == 100, job


def test_a_job_row_with_two_long_json_columns_reads_whole(stack, client):
    """metrics and processing_metadata both longer than a worker's column
    buffers: both are fetched again before the result is rebound (a rebind
    between the two lost the second, and the page showed no metadata)."""
    user = client.register_and_login()
    job_id = run_job(client, user["token"], csv_rows(3000), name="two-long-columns.csv", output_format="jsonl",
                     steps=[{"type": "filter", "params": {"column": "city", "operator": "eq", "value": "city3"}}])
    wait_job(client, user["token"], job_id, FINISHED, timeout=60)
    # Every worker of the pool, each with its own statement buffers.
    for _ in range(3 * stack.workers):
        job = client.api("GET", "/jobs/%s" % job_id, token=user["token"])[2]
        assert job["metrics"]["input_bytes"] > 0, job
        assert job["processing_metadata"]["rows_written"] == sum(1 for i in range(3000) if i % 7 == 3), job
        assert len(str(job["processing_metadata"])) > 128 and len(str(job["metrics"])) > 128
