"""Transparency bulletins of pledged livelihood projects, as a static site.

The modules follow the build's data flow:

    config      site.yaml: title, language, rounds
    source      reading YAML files with a location for every value
    schema      declarative field schemas and their checker
    content     validating units and project files against the contract
    model       rounds, units, project entries and histories (no I/O)
    ledger      published rounds frozen; silent edits refused, corrections declared
    markup      Markdown progress text to safe HTML
    i18n        translation tables for the UI
    pages       which pages exist, at which URL, with which data
    render      Jinja2 templates to HTML strings
    search      search records and tokens, each unit's share of the search index
    indexing    the search index's shards joined from the units' shares, and its manifest
    opendata    JSON and CSV beside the pages
    unitwork    one unit built on its own, from its files alone (in worker processes)
    cache       what the last build computed, and from what: unchanged units are skipped
    output      the only module that writes the output folder
    progress    the progress line on a terminal
    builder     build_site(): one call per step, in order
    archive     BagIt bundles of published rounds, and their verification
    newround    scaffolding the next round from the latest one
    serve       local preview that rebuilds on change
"""

__version__ = "0.1.0"
