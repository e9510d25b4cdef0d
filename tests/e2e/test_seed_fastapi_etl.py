"""The FastAPI ETL document ("FastAPI ETL - API Documentation"), its
authentication and file upload & processing parts, replayed against Quarry
through its own paths (/auth/login, /files/…, no /api/v1): its login body,
its upload, every processing config it shows for CSV, Excel, JSON and XML
with its sample files, the file status with the processing metadata of each
format, and the clean-up; each answer compared with the document's example
answer (ids and timestamps aside).

The document's configs carry "# comments" and its XML samples an
"<!-- File: … -->" caption before the XML declaration: neither is part of
JSON or XML, so they are sent without them. Its ETL jobs, dependencies,
monitoring, errors and data quality parts are Quarry's pipelines features.
Where Quarry deliberately differs (docs/api.md, "Differences from the source
documents"): no file_path, times with milliseconds and Z, process answers 202
with its job."""

import datetime
import io
import zipfile
from xml.sax.saxutils import escape

import pytest

from quarry_client import (assert_error_shape, download_output, process_file, upload_ok,
                           wait_for)
from seed_support import (INT, ISO_TIME, TEXT, UUID, assert_like, example, patiently,
                          seed_client)

# ---------------------------------------------------------------- the files

DATA_CSV = (b"id,name,email,created_at\n"
            b"1,John,john@example.com,2025-11-20T09:00:00\n"
            b"2,Jane,jane@example.com,2025-11-21T10:30:00\n"
            b"3,Budi,budi@example.com,2025-11-21T11:45:00\n"
            b"4,Siti,siti@example.com,2025-11-22T08:15:00\n"
            b"5,Ana,ana@example.com,2025-11-22T09:59:59\n"
            b"6,Broken row with too few fields\n")
# Example 1: semicolon-separated latin-1 with a title line.
LATIN1_CSV = "Kundenliste 2025\nid;name;city\n1;Jürgen;München\n2;N/A;-\n3;Zoë;Köln\n".encode("latin-1")
TSV = b"id\tname\n1\tJohn\n2\tJane\n"
PSV = b"id|name\n1|John\n2|Jane\n"

CUSTOMERS_JSON = b"""[
  {"id": 1, "name": "John", "email": "john@example.com"},
  {"id": 2, "name": "Jane", "email": "jane@example.com"}
]"""
API_RESPONSE_JSON = b"""{
  "status": "success",
  "data": {
    "customers": [
      {"id": 1, "name": "John"},
      {"id": 2, "name": "Jane"}
    ]
  }
}"""
COMPLEX_JSON = b"""{
  "results": [
    {
      "user": {
        "id": 1,
        "profile": {
          "name": "John",
          "address": {
            "city": "Jakarta",
            "country": "Indonesia"
          }
        }
      }
    }
  ]
}"""
LOGS_JSONL = (b'{"timestamp": "2025-11-23T10:00:00", "level": "INFO", "message": "Started"}\n'
              b'{"timestamp": "2025-11-23T10:00:01", "level": "ERROR", "message": "Failed"}\n')
# Example 3's "JSON API Response": data.results with nested objects and dates.
RESULTS_JSON = b"""{"data": {"results": [
  {"id": 7, "customer": {"name": "Dewi", "address": {"city": "Bandung"}},
   "created_at": "2025-11-01T08:00:00", "updated_at": "2025-11-02T09:30:00"}
]}}"""

# 2.3's full config: records under "data", dates to parse.
DATA_JSON = b"""{"data": [{"id": 1, "profile": {"tier": "gold"},
  "created_at": "2025-11-20T10:00:00", "updated_at": "2025-11-21T10:00:00"}]}"""

CUSTOMERS_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<customers>
  <customer>
    <id>1</id>
    <name>John Doe</name>
    <email>john@example.com</email>
  </customer>
  <customer>
    <id>2</id>
    <name>Jane Smith</name>
    <email>jane@example.com</email>
  </customer>
</customers>"""
PRODUCTS_XML = b"""<?xml version="1.0"?>
<products>
  <product id="1" category="electronics">
    <name>Laptop</name>
    <price currency="USD">999.99</price>
  </product>
  <product id="2" category="books">
    <name>Python Guide</name>
    <price currency="USD">49.99</price>
  </product>
</products>"""
SOAP_XML = b"""<?xml version="1.0"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <m:GetCustomersResponse xmlns:m="http://example.com/customers">
      <m:Customer>
        <m:ID>1</m:ID>
        <m:Name>John</m:Name>
      </m:Customer>
    </m:GetCustomersResponse>
  </soap:Body>
</soap:Envelope>"""
ORDERS_XML = b"""<orders>
  <order>
    <id>1</id>
    <customer>
      <name>John</name>
      <email>john@example.com</email>
    </customer>
    <items>
      <item>
        <product>Laptop</product>
        <quantity>1</quantity>
      </item>
    </items>
  </order>
</orders>"""
# Example 4's "XML SOAP Response": {http://example.com}Response / Record.
RESPONSE_XML = b"""<?xml version="1.0"?>
<x:Envelope xmlns:x="http://example.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <x:Response>
    <x:Record x:id="r1"><x:Value>10</x:Value></x:Record>
    <x:Record x:id="r2"><x:Value>20</x:Value></x:Record>
  </x:Response>
</x:Envelope>"""


def xlsx(sheets):
    """A workbook of inline-string, number and date cells: [(name, rows)]."""
    def cell(ref, v):
        if isinstance(v, datetime.date):   # a serial number in a date style (numFmt 14)
            return '<c r="%s" s="1"><v>%d</v></c>' % (ref, (v - datetime.date(1899, 12, 30)).days)
        if isinstance(v, (int, float)):
            return '<c r="%s"><v>%s</v></c>' % (ref, v)
        return '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, escape(v))

    def sheet(rows):
        out = []
        for r, row in enumerate(rows, start=1):
            cells = "".join(cell("%s%d" % (chr(65 + c), r), v) for c, v in enumerate(row) if v is not None)
            out.append('<row r="%d">%s</row>' % (r, cells))
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns='
                '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s'
                '</sheetData></worksheet>' % "".join(out))
    ns_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.styles+xml"/>'
                   + "".join('<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/'
                             'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % (i + 1)
                             for i in range(len(sheets))) + '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="%s/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>' % ns_rel)
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="%s"><sheets>%s</sheets></workbook>' % (
                       ns_rel, "".join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (escape(n), i + 1, i + 1)
                                       for i, (n, _) in enumerate(sheets))))
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships">%s<Relationship Id="rIdS" Type="%s/'
                   'styles" Target="styles.xml"/></Relationships>' % ("".join(
                       '<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>'
                       % (i + 1, ns_rel, i + 1) for i in range(len(sheets))), ns_rel))
        z.writestr("xl/styles.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.'
                   'org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" '
                   'applyNumberFormat="1"/></cellXfs></styleSheet>')
        for i, (_, rows) in enumerate(sheets):
            z.writestr("xl/worksheets/sheet%d.xml" % (i + 1), sheet(rows))
    return buf.getvalue()


WORKBOOK = xlsx([
    ("Sheet1", [["id", "name", "city"], [1, "John", "Jakarta"], [2, "Jane", "Bandung"], [3, "Budi", "Medan"]]),
    ("Sheet2", [["id", "name", "city"], [4, "Siti", "Bogor"], [5, "Ana", "Depok"]]),
    ("Customer Data", [["Customer export"], [None], ["id", "name"], [10, "Dewi"], [11, "Eko"]]),
    ("Sales", [["A", "B", "C", "D", "E", "F", "G", "H"], [1, 2, 3, 4, 5, 6, 7, 8]]),
    ("Sales Data", [["Sales 2025"], [None], ["day", "amount"], [datetime.date(2025, 11, 1), 100],
                    [datetime.date(2025, 11, 2), 250]]),
])

# ---------------------------------------------------------------- the flow


@pytest.fixture(scope="module")
def etl(stack):
    """The document's user: username "admin", password "admin123" (its
    login example), registered first."""
    client = seed_client(stack)
    status, _, body = patiently(lambda: client.api("POST", "/auth/register", json={
        "email": "admin@fastapi-etl.example", "password": "admin123", "username": "admin"}))
    assert status == 201, body
    # Login (a JSON body, as the document sends it)
    status, _, answer = patiently(lambda: client.api("POST", "/auth/login", json={
        "username": "admin", "password": "admin123"}))
    assert status == 200, answer
    assert_like(answer, example("""{
  "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
  "token_type": "bearer",
  "user_id": "uuid-here"
}"""), {"access_token": TEXT, "user_id": UUID})
    assert answer["user_id"] == body["id"]
    return client, answer["access_token"]


def finished(client, token, file_id):
    """GET /files/{file_id} once its processing has ended."""
    def poll():
        status, _, view = client.api("GET", "/files/%s" % file_id, token=token)
        assert status == 200, view
        return view if view["processing_status"] in ("COMPLETED", "FAILED") else None
    view = wait_for(poll, timeout=60, interval=0.2)
    assert view, "file %s was not processed" % file_id
    return view


def output(client, token, job_id):
    return download_output(client, token, job_id)[1]


def run_all(client, token, cases):
    """Uploads and processes every (name, data, body) first, then waits for
    each: the dispatcher works on them meanwhile. Returns [(view, job)]."""
    started = []
    for name, data, body in cases:
        f = upload_ok(client, token, name, data)
        started.append((f["file_id"], process_file(client, token, f["file_id"], body)))
    return [(finished(client, token, file_id), job) for file_id, job in started]


FILE_ASIDE = {"file_id": UUID, "uploaded_at": ISO_TIME, "processed_at": ISO_TIME}


def test_upload_process_and_check_a_csv_file(etl):
    client, token = etl
    # Step 1: Upload File
    f = upload_ok(client, token, "data.csv", DATA_CSV, "text/csv")
    expected_upload = example("""{
  "file_id": "550e8400-e29b-41d4-a716-446655440000",
  "filename": "data.csv",
  "file_type": "csv",
  "file_size": 1024000,
  "processing_status": "PENDING",
  "uploaded_at": "2025-11-22T10:00:00"
}""")
    expected_upload["file_size"] = len(DATA_CSV)
    assert_like(f, expected_upload, FILE_ASIDE)
    assert "file_path" not in f  # where Quarry keeps a file is its own business

    # Step 2 (Complete Workflow Example 1, "3. Process file") and Step 3.
    job = process_file(client, token, f["file_id"], {"processing_config": {"delimiter": ","}})
    assert UUID(job["id"]) and job["file_name"] == "data.csv", job
    view = finished(client, token, f["file_id"])
    assert_like(view, example("""{
  "file_id": "550e8400-e29b-41d4-a716-446655440000",
  "filename": "data.csv",
  "file_type": "csv",
  "processing_status": "COMPLETED",
  "records_processed": 6,
  "records_successful": 5,
  "records_failed": 1,
  "processed_at": "2025-11-22T10:05:00",
  "processing_metadata": {
    "delimiter_used": ",",
    "encoding_detected": "utf-8",
    "columns_found": 4,
    "data_types": {
      "id": "integer",
      "name": "string",
      "email": "string",
      "created_at": "datetime"
    }
  }
}"""), FILE_ASIDE)
    # Format-specific metadata, CSV.
    assert_like(view["processing_metadata"], example("""{
    "delimiter_used": ",",
    "encoding_detected": "utf-8",
    "rows_total": 6,
    "columns_count": 4,
    "header_row": ["id", "name", "email", "created_at"]
  }"""))

    # 5. Clean Up Old Files
    status, _, _ = client.api("DELETE", "/files/%s" % f["file_id"], token=token)
    assert status == 204
    status, _, body = client.api("GET", "/files/%s" % f["file_id"], token=token)
    assert status == 404
    assert_error_shape(body, "FILE_NOT_FOUND")


def test_csv_processing_configs(etl):
    client, token = etl
    results = run_all(client, token, [
        # 2.1 Process CSV File: every key of the document's config.
        ("data.csv", DATA_CSV, {"processing_config": {
            "delimiter": ",", "encoding": "utf-8", "skip_rows": 0, "chunk_size": 1000,
            "has_header": True, "quote_char": "\"", "escape_char": "\\",
            "null_values": ["", "NULL", "null", "N/A"]}}),
        # Tab-separated (TSV), pipe-separated.
        ("data.tsv", TSV, {"processing_config": {"delimiter": "\t", "encoding": "utf-8"}}),
        ("data.psv", PSV, {"processing_config": {"delimiter": "|", "encoding": "utf-8"}}),
        # Example 1: CSV with Custom Settings (semicolon, latin-1, a title line).
        ("kunden.csv", LATIN1_CSV, {"processing_config": {
            "delimiter": ";", "encoding": "latin-1", "skip_rows": 1, "has_header": True,
            "null_values": ["", "N/A", "-"]}}),
    ])
    (full, _), (tsv, _), (psv, _), (latin1, latin1_job) = results
    assert_like(full, {"processing_status": "COMPLETED", "records_successful": 5, "records_failed": 1,
                       "processing_metadata": {"delimiter_used": ",", "columns_found": 4}})
    assert_like(tsv, {"processing_status": "COMPLETED", "records_successful": 2,
                      "processing_metadata": {"delimiter_used": "\t", "header_row": ["id", "name"]}})
    assert_like(psv, {"processing_status": "COMPLETED", "records_successful": 2,
                      "processing_metadata": {"delimiter_used": "|", "header_row": ["id", "name"]}})
    assert_like(latin1, {"processing_status": "COMPLETED", "records_successful": 3,
                         "processing_metadata": {"delimiter_used": ";",
                                                 "header_row": ["id", "name", "city"]}})
    assert output(client, token, latin1_job["id"]).decode() == \
        "id,name,city\n1,Jürgen,München\n2,,\n3,Zoë,Köln\n"


def test_excel_processing_configs(etl):
    client, token = etl
    results = run_all(client, token, [
        # 2.2: the document's full config (one sheet, the first by default).
        ("workbook.xlsx", WORKBOOK, {"processing_config": {
            "sheet_name": "Sheet1", "skip_rows": 0, "skip_footer": 0, "use_column_names": True,
            "chunk_size": 1000, "date_format": "%Y-%m-%d", "columns": ["A", "B", "C"]}}),
        # Process multiple sheets
        ("workbook.xlsx", WORKBOOK, {"processing_config": {"sheet_name": ["Sheet1", "Sheet2"],
                                                           "chunk_size": 500}}),
        # Process sheet by index (0-based)
        ("workbook.xlsx", WORKBOOK, {"processing_config": {"sheet_name": 0, "use_column_names": True}}),
        # Process specific sheet by name, skipping a title and an empty row
        ("workbook.xlsx", WORKBOOK, {"processing_config": {"sheet_name": "Customer Data",
                                                           "skip_rows": 2}}),
        # Read specific columns only
        ("workbook.xlsx", WORKBOOK, {"processing_config": {"sheet_name": "Sales",
                                                           "columns": ["A", "C", "E", "G"],
                                                           "use_column_names": True}}),
        # Example 2: Excel Multi-Sheet (its "Sales Data" sheet, dates day first)
        ("workbook.xlsx", WORKBOOK, {"processing_config": {"sheet_name": "Sales Data", "skip_rows": 2,
                                                           "use_column_names": True,
                                                           "date_format": "%d/%m/%Y"}}),
    ])
    (full, _), (multi, _), (first, _), (customers, _), (sales, sales_job), (dated, dated_job) = results
    for view, _ in results:
        assert view["processing_status"] == "COMPLETED", view
    assert_like(full["processing_metadata"], {"sheets_processed": ["Sheet1"], "columns_count": 3})
    assert_like(multi["processing_metadata"], example("""{
    "sheets_processed": ["Sheet1", "Sheet2"],
    "total_sheets": 5,
    "rows_per_sheet": {"Sheet1": 3, "Sheet2": 2},
    "columns_count": 4
  }"""))  # several sheets: each record also has a _sheet field
    assert_like(first, {"records_processed": 3, "processing_metadata": {"sheets_processed": ["Sheet1"]}})
    assert_like(customers, {"records_processed": 2,
                            "processing_metadata": {"header_row": ["id", "name"]}})
    assert output(client, token, sales_job["id"]).decode() == "A,C,E,G\n1,3,5,7\n"
    # date_format: how date cells are written (they hold numbers, nothing to parse).
    assert output(client, token, dated_job["id"]).decode() == "day,amount\n01/11/2025,100\n02/11/2025,250\n"


def test_json_processing_configs(etl):
    client, token = etl
    results = run_all(client, token, [
        # Simple Array: the root is already an array
        ("customers.json", CUSTOMERS_JSON, {"processing_config": {"json_path": "$", "chunk_size": 1000}}),
        # Nested Object with Array
        ("api_response.json", API_RESPONSE_JSON,
         {"processing_config": {"array_path": "data.customers", "chunk_size": 1000}}),
        # The same records with the document's JSONPath
        ("api_response.json", API_RESPONSE_JSON, {"processing_config": {"json_path": "$.data.customers[*]"}}),
        # Deeply Nested Objects, flattened to max_depth 3
        ("complex.json", COMPLEX_JSON, {"processing_config": {"array_path": "results", "flatten_nested": True,
                                                               "max_depth": 3}}),
        # JSON Lines (NDJSON)
        ("logs.jsonl", LOGS_JSONL, {"processing_config": {"format": "jsonlines", "chunk_size": 5000,
                                                           "date_fields": ["timestamp"]}}),
        # Example 3: JSON API Response
        ("results.json", RESULTS_JSON, {"processing_config": {
            "array_path": "data.results", "flatten_nested": True, "max_depth": 3,
            "date_fields": ["created_at", "updated_at"]}}),
        # 2.3's full config: json_path "$" (the default, the root) beside array_path
        ("data.json", DATA_JSON, {"processing_config": {
            "json_path": "$", "array_path": "data", "chunk_size": 1000, "flatten_nested": True,
            "max_depth": 3, "date_fields": ["created_at", "updated_at"], "encoding": "utf-8"}}),
    ])
    (simple, _), (nested, _), (jpath, _), (deep, _), (logs, logs_job), (api, _), (full, _) = results
    assert_like(simple, {"processing_status": "COMPLETED", "records_processed": 2,
                         "processing_metadata": {"json_structure": "array", "objects_found": 2,
                                                 "data_types": {"id": "integer", "name": "string",
                                                                "email": "string"}}})
    # The document's JSON metadata, with the values of its nested example.
    meta = example("""{
    "json_structure": "nested_array",
    "array_path_used": "data.customers",
    "objects_found": 5000,
    "max_nesting_depth": 3,
    "flattened_fields": 25
  }""")
    meta.update(objects_found=2, max_nesting_depth=1, flattened_fields=0)
    assert_like(nested["processing_metadata"], meta)
    assert_like(jpath["processing_metadata"], dict(meta, array_path_used=None,
                                                   json_path_used="$.data.customers[*]"))
    # "Will create: user_id, user_profile_name, user_profile_address_city" (and _country)
    assert_like(deep["processing_metadata"], {
        "max_nesting_depth": 4, "flattened_fields": 4,
        "data_types": {"user_id": "integer", "user_profile_name": "string",
                       "user_profile_address_city": "string", "user_profile_address_country": "string"}})
    assert_like(logs, {"processing_status": "COMPLETED", "records_processed": 2,
                       "processing_metadata": {"data_types": {"timestamp": "datetime"}}})
    assert output(client, token, logs_job["id"]).decode() == (
        "timestamp,level,message\n2025-11-23T10:00:00Z,INFO,Started\n2025-11-23T10:00:01Z,ERROR,Failed\n")
    assert_like(api["processing_metadata"], {
        "array_path_used": "data.results", "dates_parsed": 2,
        "data_types": {"id": "integer", "customer_name": "string", "customer_address_city": "string",
                       "created_at": "datetime", "updated_at": "datetime"}})
    # json_path "$" is the default (the document): array_path names the records.
    assert_like(full, {"processing_status": "COMPLETED", "records_processed": 1, "processing_metadata": {
        "array_path_used": "data", "json_structure": "nested_array", "dates_parsed": 2,
        "data_types": {"id": "integer", "profile_tier": "string", "created_at": "datetime",
                       "updated_at": "datetime"}}})

    # An expression outside the subset Quarry reads is refused up front.
    f = upload_ok(client, token, "customers.json", CUSTOMERS_JSON)
    for expr, reason in (("$[?(@.id > 1)]", "filter"), ("$[0:1]", "slices"), ("customers", "$")):
        status, _, body = client.api("POST", "/files/%s/process" % f["file_id"], token=token,
                                     json={"processing_config": {"json_path": expr}})
        assert status == 422, body
        err = assert_error_shape(body, "VALIDATION_ERROR")
        assert err["field"] == "processing_config.json_path" and reason in err["message"], err
    status, _, view = client.api("GET", "/files/%s" % f["file_id"], token=token)
    assert view["processing_status"] == "PENDING"


def test_xml_processing_configs(etl):
    client, token = etl
    results = run_all(client, token, [
        # Simple XML
        ("customers.xml", CUSTOMERS_XML, {"processing_config": {
            "root_element": "customers", "record_element": "customer", "chunk_size": 1000}}),
        # XML with Attributes
        ("products.xml", PRODUCTS_XML, {"processing_config": {
            "root_element": "products", "record_element": "product", "flatten_attributes": True}}),
        # XML with Namespaces
        ("soap_response.xml", SOAP_XML, {"processing_config": {
            "root_element": "{http://example.com/customers}GetCustomersResponse",
            "record_element": "{http://example.com/customers}Customer",
            "namespace_aware": True,
            "namespaces": {"soap": "http://schemas.xmlsoap.org/soap/envelope/",
                           "m": "http://example.com/customers"}}}),
        # Nested XML
        ("orders.xml", ORDERS_XML, {"processing_config": {
            "root_element": "orders", "record_element": "order", "flatten_nested": True, "max_depth": 2}}),
        # Example 4: XML SOAP Response
        ("response.xml", RESPONSE_XML, {"processing_config": {
            "root_element": "{http://example.com}Response", "record_element": "{http://example.com}Record",
            "namespace_aware": True, "flatten_attributes": True}}),
        # 2.4's full config
        ("customers.xml", CUSTOMERS_XML, {"processing_config": {
            "root_element": "customers", "record_element": "customer", "chunk_size": 1000,
            "namespace_aware": False, "flatten_attributes": True, "text_field_name": "_text",
            "encoding": "utf-8"}}),
    ])
    (simple, _), (products, _), (soap, _), (orders, _), (response, _), (full, _) = results
    for view, _ in results:
        assert view["processing_status"] == "COMPLETED", view
    # The document's XML metadata, with the values of its simple example.
    meta = example("""{
    "root_element": "customers",
    "record_element": "customer",
    "records_found": 5000,
    "namespaces_detected": ["soap", "xsi"],
    "attributes_flattened": true
  }""")
    meta.update(records_found=2, namespaces_detected=[], attributes_flattened=False)
    assert_like(simple["processing_metadata"], meta)
    assert_like(full["processing_metadata"], meta)
    assert_like(simple["processing_metadata"]["data_types"], {"id": "integer", "name": "string",
                                                              "email": "string"})
    # "Will create: id, category, name, price, price_currency"
    assert sorted(products["processing_metadata"]["data_types"]) == \
        ["category", "id", "name", "price", "price_currency"]
    assert_like(products["processing_metadata"], {"records_found": 2, "attributes_flattened": True})
    assert_like(soap["processing_metadata"], {
        "root_element": "m:GetCustomersResponse", "record_element": "m:Customer", "records_found": 1,
        "namespaces_detected": ["soap", "m"],
        "data_types": {"m:ID": "integer", "m:Name": "string"}})
    assert sorted(orders["processing_metadata"]["data_types"]) == \
        ["customer_email", "customer_name", "id", "items_item_product", "items_item_quantity"]
    assert_like(response["processing_metadata"], {
        "records_found": 2, "namespaces_detected": ["x", "xsi"], "attributes_flattened": True,
        "data_types": {"{http://example.com}id": "string", "{http://example.com}Value": "integer"}})


def test_lists_take_offset(etl):
    client, token = etl
    status, headers, files = client.api("GET", "/files?limit=50&offset=0", token=token)
    assert status == 200 and len(files) == int(headers["X-Total-Count"]) >= 2
    status, _, page = client.api("GET", "/files?limit=1&offset=1", token=token)
    assert status == 200 and [f["file_id"] for f in page] == [files[1]["file_id"]]
    assert INT(files[0]["file_size"])
