"""Migrating from Dennis, the VNG instrumentengids (github.com/waotaa/d-core), in one command. No Flask.

`reading` (reading and limits), `reference` (our gemeenten, regions, providers and terms as Dennis names them),
`mapping` (one Dennis instrument -> our record, and what could not be mapped),
`extract` (comparable parameters read from the free text, as proposals), `run` (the transaction), `result`.
"""
from .mapping import DennisMapper
from .reference import load_rules
from .reading import MAX_BYTES, WEB_MAX_INSTRUMENTS, DennisFileError, read_export
from .result import DennisResult, DennisRow, format_dennis
from .run import SOURCE, run_dennis_import

__all__ = ["MAX_BYTES", "SOURCE", "WEB_MAX_INSTRUMENTS", "DennisFileError", "DennisMapper", "DennisResult", "DennisRow", "format_dennis",
           "load_rules", "read_export", "run_dennis_import"]
