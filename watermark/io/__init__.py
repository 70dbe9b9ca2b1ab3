"""Reading source trees and writing copies, shared by the vendor workflow
and diff: `sources` (directories, archives, git revisions, single files as
one stream of entries), `select` (which files are marked), `outputs`
(atomic copies and their staging), `pool` (worker processes for per-file
work, in order and in bounded memory)."""
