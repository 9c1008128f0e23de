import pytest

from bluelight.etl import files
from bluelight.foundation.errors import InputFileError


def test_empty_file(write):
    with pytest.raises(InputFileError, match="empty"):
        files.read_csv(write("a.csv", ""))


def test_binary_and_office_files(write):
    with pytest.raises(InputFileError, match="ZIP"):
        files.read_csv(write("a.csv", b"PK\x03\x04rest-of-xlsx"))
    with pytest.raises(InputFileError, match="binary"):
        files.read_csv(write("b.csv", b"site_id,name\n\x00\x01\x02"))


def test_wrong_encoding_names_line(write):
    path = write("a.csv", "site_id,name\n1,ok\n2,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputFileError) as err:
        files.read_csv(path)
    assert "line 3" in str(err.value) and "a.csv" in str(err.value) and "--encoding" in str(err.value)
    assert files.read_csv(path, encoding="cp1252").loc[2, "name"] == "Café"


def test_missing_column_and_header_only(write):
    with pytest.raises(InputFileError) as err:
        files.read_csv(write("a.csv", "x,y\n1,2\n"), required=["site_id"])
    assert err.value.field == "site_id"
    with pytest.raises(InputFileError, match="no data rows"):
        files.read_csv(write("b.csv", "site_id,name\n"))


def test_rows_numbered_from_one_and_mapping(write):
    frame = files.read_csv(write("a.csv", "Code,Nm\nA,x\nB,y\n"), mapping={"site_id": "Code", "name": "Nm"})
    assert list(frame.index) == [1, 2]
    assert list(frame.columns) == ["site_id", "name"]
