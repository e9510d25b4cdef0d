"""Excel through the whole service: an .xlsx made here (zip + XML, as Excel
writes it) is uploaded, processed with sheet options, and the result comes
back as CSV and as .xlsx."""

import io
import zipfile

from quarry_client import run_file, upload_file

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Notes" sheetId="1" r:id="rId1"/><sheet name="Orders" sheetId="2" r:id="rId2"/></sheets>
</workbook>"""

WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""

# Shared strings: 0 order, 1 city, 2 qty, 3 Paris, 4 Lyon, 5 a note
SHARED = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6">
<si><t>order</t></si><si><t>city</t></si><si><t>qty</t></si><si><t>Paris</t></si><si><t>Lyon</t></si><si><t>not data</t></si>
</sst>"""

SHEET_NOTES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>5</v></c></row>
</sheetData></worksheet>"""


def orders_sheet():
    rows = ['<row r="1"><c r="A1" t="inlineStr"><is><t>Quarterly orders</t></is></c></row>',
            '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c></row>']
    data = [(101, 3, 4), (102, 4, 12), (103, 3, 7), (104, 4, 1)]
    for i, (order, city, qty) in enumerate(data, start=3):
        rows.append('<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c>'
                    '<c r="C%d"><v>%d</v></c></row>' % (i, i, order, i, city, i, qty))
    rows.append('<row r="7"><c r="A7" t="inlineStr"><is><t>Total</t></is></c><c r="C7"><v>24</v></c></row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + "".join(rows) + "</sheetData></worksheet>")


def make_xlsx():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/sharedStrings.xml", SHARED)
        z.writestr("xl/worksheets/sheet1.xml", SHEET_NOTES)
        z.writestr("xl/worksheets/sheet2.xml", orders_sheet())
    return buf.getvalue()


def upload_xlsx(client, token):
    status, _, f = upload_file(client, token, "orders.xlsx", make_xlsx(),
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert status == 201, f
    assert f["file_type"] == "xlsx"
    return f


def test_xlsx_sheet_by_name_with_skip_rows_and_footer(client):
    user = client.register_and_login()
    f = upload_xlsx(client, user["token"])
    job, _, data = run_file(client, user["token"], f["file_id"], {
        "processing_config": {"sheet_name": "Orders", "skip_rows": 1, "skip_footer": 1},
        "processing_steps": [{"type": "filter", "params": {"column": "qty", "operator": "gt", "value": 5}}],
        "output_format": "csv",
    })
    assert data.decode() == "order,city,qty\n102,Lyon,12\n103,Paris,7\n"
    assert job["progress"]["processed_records"] == 4
    # The file's own view carries the counts of the run.
    _, _, shown = client.api("GET", "/files/%s" % f["file_id"], token=user["token"])
    assert shown["processing_status"] == "COMPLETED"
    assert shown["records_processed"] == 4


def test_xlsx_sheet_by_index_to_xlsx_output(client):
    user = client.register_and_login()
    f = upload_xlsx(client, user["token"])
    _, headers, data = run_file(client, user["token"], f["file_id"], {
        "processing_config": {"sheet_name": 1, "skip_rows": 1, "skip_footer": 1, "columns": ["A", "C"]},
        "output_format": "xlsx",
    })
    assert "orders_processed.xlsx" in headers.get("Content-Disposition", "")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert "xl/workbook.xml" in names
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    # Four data rows and the header; the city column was left out.
    assert sheet.count("<row ") == 5
    assert "Lyon" not in sheet and "Paris" not in sheet
