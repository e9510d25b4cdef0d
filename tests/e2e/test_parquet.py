"""Parquet through the whole service: a CSV converted to Parquet
(convert_format and output_format), downloaded with its type and name,
uploaded again (detected by PAR1, its schema and metadata), converted back
to the same CSV; and corrupt Parquet files (truncated footer, wrong
offsets, a dictionary index out of range, a page that decompresses past
its declared size) end their job FAILED with a clear message."""

import pytest

from quarry_client import run_file, upload_ok

CSV = ("id,city,price,ok,day,at\n"
       "1,Paris,3.25,true,2024-01-31,2024-01-31T10:30:00Z\n"
       "2,Lyon,-0.5,false,2024-02-29,2024-02-29T23:59:59.123Z\n"
       "3,,1234.5678,,,\n"
       "4,Paris,2,true,1999-12-31,1999-12-31T00:00:00.000001Z\n").encode()

PARQUET_TYPE = "application/vnd.apache.parquet"


@pytest.fixture(scope="module")
def user(stack):
    return stack.client().register_and_login()


def to_parquet(client, token, steps=None, output_format=None):
    f = upload_ok(client, token, "sales.csv", CSV, "text/csv")
    payload = {"processing_steps": steps or []}
    if output_format:
        payload["output_format"] = output_format
    job, headers, data = run_file(client, token, f["file_id"], payload)
    assert headers["content-type"] == PARQUET_TYPE
    assert "sales_processed.parquet" in headers["content-disposition"]
    assert data[:4] == b"PAR1" and data[-4:] == b"PAR1"
    return data


def test_csv_to_parquet_and_back(client, user):
    token = user["token"]
    data = to_parquet(client, token, steps=[{"type": "convert_format", "params": {
        "to_format": "parquet", "compression": "zstd", "row_group_size": 2}}])
    assert to_parquet(client, token, output_format="parquet")[:4] == b"PAR1"

    f = upload_ok(client, token, "sales.parquet", data)
    assert f["file_type"] == "parquet"
    assert f["mime_type"] == PARQUET_TYPE
    status, _, schema = client.api("GET", "/files/%s/schema" % f["file_id"], token=token)
    assert status == 200, schema
    assert {k: v["type"] for k, v in schema["schema"].items()} == {
        "id": "integer", "city": "string", "price": "number", "ok": "boolean", "day": "date",
        "at": "datetime"}
    assert schema["schema"]["city"]["nullable"] is True
    assert schema["sample_info"]["rows_analyzed"] == 4

    job, headers, back = run_file(client, token, f["file_id"], {"output_format": "csv"})
    assert back == CSV
    _, _, shown = client.api("GET", "/files/%s" % f["file_id"], token=token)
    meta = shown["processing_metadata"]
    assert meta["row_groups"] == 2
    assert meta["compression"] == "zstd"
    assert meta["created_by"].startswith("quarry version")
    assert meta["input_format"] == "parquet"


def test_bad_writer_options_are_422(client, user):
    f = upload_ok(client, user["token"], "x.csv", CSV, "text/csv")
    status, _, body = client.api("POST", "/files/%s/process" % f["file_id"], token=user["token"], json={
        "processing_steps": [{"type": "convert_format", "params": {"to_format": "parquet",
                                                                   "compression": "lz4"}}]})
    assert status == 422, body
    assert body["error"]["field"] == "processing_steps[0].params.compression"


# ---------------------------------------------------------------- corrupt files

def read_varint(b, i):
    v = shift = 0
    while True:
        v |= (b[i] & 0x7F) << shift
        shift += 7
        i += 1
        if not b[i - 1] & 0x80:
            return v, i


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def header_fields(b, i, path=()):
    """The i32 fields of a Thrift compact struct at b[i:] (the page headers
    Quarry writes hold only i32 fields and structs): {path: (value, start,
    end)} and where the struct ends."""
    fields, last = {}, 0
    while True:
        byte = b[i]
        i += 1
        if byte == 0:
            return fields, i
        ftype, delta = byte & 0x0F, byte >> 4
        assert delta, "long field ids are not used in page headers"
        fid = last + delta
        last = fid
        if ftype == 5:
            start = i
            z, i = read_varint(b, i)
            fields[path + (fid,)] = ((z >> 1) ^ -(z & 1), start, i)
        elif ftype == 12:
            sub, i = header_fields(b, i, path + (fid,))
            fields.update(sub)
        else:
            raise AssertionError("unexpected field type %d" % ftype)


def patch(data, offset, field, change):
    fields, end = header_fields(data, offset)
    value, start, stop = fields[field]
    new = varint(((change(value) << 1) ^ (change(value) >> 63)) & 0xFFFFFFFFFFFFFFFF)
    assert len(new) == stop - start, "the patched value must keep its length"
    return data[:start] + new + data[stop:]


def page_after(data, offset):
    """Offset of the page that follows the page at offset."""
    fields, end = header_fields(data, offset)
    return end + fields[(3,)][0]


def corrupt_files(plain, snappy):
    flen = int.from_bytes(plain[-8:-4], "little")
    footer = len(plain) - 8 - flen
    return {
        # the footer cut in the middle (its length no longer fits the file)
        "truncated footer": plain[:footer + flen // 2] + plain[-8:],
        # 64 bytes inserted after the magic: every offset points 64 bytes early
        "wrong offsets": plain[:4] + b"\x55" * 64 + plain[4:],
        # the dictionary page (the first page) says it has one entry
        "dictionary index": patch(plain, 4, (7, 1), lambda v: 1),
        # the data page after the dictionary declares one byte less than it holds
        "declared size": patch(snappy, page_after(snappy, 4), (2,), lambda v: v - 1),
    }


def test_corrupt_parquet_fails_the_job_clearly(client, user):
    token = user["token"]
    source = b"city\nParis\nLyon\nRome\nParis\nLyon\n"
    f = upload_ok(client, token, "cities.csv", source, "text/csv")
    _, _, plain = run_file(client, token, f["file_id"], {"processing_steps": [
        {"type": "convert_format", "params": {"to_format": "parquet", "compression": "none"}}]})
    _, _, snappy = run_file(client, token, f["file_id"], {"output_format": "parquet"})
    expected = {
        "truncated footer": "Parquet: ",
        "wrong offsets": "page header",
        "dictionary index": "dictionary index 1 is out of range",
        "declared size": "decompresses past its declared size",
    }
    for name, data in corrupt_files(plain, snappy).items():
        bad = upload_ok(client, token, "bad.parquet", data)
        assert bad["file_type"] == "parquet"
        job, _, _ = run_file(client, token, bad["file_id"], {"output_format": "csv"}, want="FAILED")
        assert expected[name] in job["error_message"], (name, job["error_message"])
        assert job["error_message"].startswith("bad input: Parquet: "), job["error_message"]
        _, _, shown = client.api("GET", "/files/%s" % bad["file_id"], token=token)
        assert shown["processing_status"] == "FAILED"
