"""`_load_tracking.columns`: names with warehouse-neutral types, and rows written before types were recorded."""

from finops_assets.warehouse.load_request import Column, ColumnType
from finops_assets.warehouse.tracking import column_type_text, decode_column_types, decode_columns, encode_columns

CREDITS = Column("credits", ColumnType.RECORD, "credits", repeated=True, fields=(
    Column("name", ColumnType.STRING, "name"), Column("amount", ColumnType.DECIMAL, "amount")))


def test_columns_are_recorded_with_their_types_nested_records_spelled_out():
    encoded = encode_columns((Column("cost", ColumnType.DECIMAL, "cost"), CREDITS))
    assert decode_column_types(encoded) == {"cost": "DECIMAL", "credits": "STRUCT<name STRING, amount DECIMAL>[]"}
    assert decode_columns(encoded) == ("cost", "credits")
    assert column_type_text(CREDITS) == "STRUCT<name STRING, amount DECIMAL>[]"


def test_rows_recorded_as_plain_names_decode_without_types():
    assert decode_column_types('["a", "b"]') == {"a": None, "b": None}
    assert decode_columns('["a", "b"]') == ("a", "b") and decode_columns(None) == ()
