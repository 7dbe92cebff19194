"""The messages between the site, the console and the archive (issue 11 item 3), one
module per seam, used by both ends: the server validates bodies with them and declares
its answers with them (each is its operation's OpenAPI schema); the client builds what
it sends and reads what it gets with the same types.

* :mod:`engine.wire.site_console` — the console's site API (heartbeat, configuration,
  acknowledgement, progress, task log, directory copy);
* :mod:`engine.wire.site_archive` — what sites submit and record at the archive;
* :mod:`engine.wire.console_archive` — what the console does at the archive with its
  admin token (site registration, R9 resets, the archived index);
* :mod:`engine.wire.views` — the archive's views of a mailbox, read by both.

Request bodies are pydantic models (they validate, and refuse unknown fields); answers
and the bulk parts of bodies are TypedDicts — plain dicts at run time, so the hot paths
pay nothing for them.  Nothing here imports the console, the archive or the site."""
