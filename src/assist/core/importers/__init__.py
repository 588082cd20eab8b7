"""Existing canned responses (Chatwoot, Zendesk macros, Freshdesk, a plain CSV) into
playbook entries or snippet proposals, and approved snippets back into playbook YAML.

Flow: `read_export` (readers → html/placeholders → `Canned` items and `Problem`s by line)
→ `plan_entries` (ids, merging, what examples are missing) → `dump_entries` (YAML) or
`snippet_proposals` (dicts for `Snippets.propose`). Framework-free, like the rest of core.
"""

from .canned import Canned, Parsed, parse_export, read_export
from .export import dump_entries, dump_files, merge_entry, snippets_to_entries
from .plan import Planned, kebab, missing_examples, plan_entries, snippet_proposals
from .readers import FORMATS, Format, UnreadableExport

__all__ = [
    "FORMATS",
    "Canned",
    "Format",
    "Parsed",
    "Planned",
    "UnreadableExport",
    "dump_entries",
    "dump_files",
    "kebab",
    "merge_entry",
    "missing_examples",
    "parse_export",
    "plan_entries",
    "read_export",
    "snippet_proposals",
    "snippets_to_entries",
]
