"""The guarded SPARQL runner: check a query, then run it in a killable worker process.

Modules: `check.py` (the screen and the checker: the rules a query must pass), `prefixes.py` (the prefixes a
query may use undeclared, declared for it in one line put in front before the screen or the check reads it),
`syntax.py` (syntax errors in words, at the line and column of the query as written), `runner.py` (running
one query within the caps, writing its results), `workers.py` (the worker processes, or the direct
runner for a remote store), `service_description.py` (what the endpoint says about itself),
`search_service.py` (`SERVICE <search> { … }`, rewritten into the search index's hits as a `VALUES` block in the
web process, before anything below: the one SERVICE the endpoint answers, and never over the network).


What a query goes through, in a worker process (so parsing is bounded by the deadline too):

0. The screen: with an embedded store, a query whose text (escapes expanded) has none of the words
   SERVICE or FROM, nor RDF 1.2's `<<`/`{|`, goes straight to step 3: pyoxigraph's `Store.query` reads
   queries only (an update is a syntax error, which sends the text to step 1 for its 403), and SERVICE
   cannot be written without its letters. That saves rdflib's ~10 ms parse for most new queries.
1. `check_query`: its `\\u` escapes are expanded and its line breaks made `\\n`, and from then on
   rdflib's parser (for the check) and oxigraph (to run it) read the SAME text. Both steps close
   known differences between the two parsers that would let a query hide `SERVICE` from the check:
   oxigraph does not expand `\\u0027` outside IRIs and strings, and it ends a comment at a bare
   `\\r` where rdflib does not. Then SPARQL Update is refused, and so is `SERVICE` anywhere in the
   parsed algebra (oxigraph would call the remote endpoint: SSRF). A query rdflib's SPARQL 1.1
   parser cannot read is refused even if oxigraph could run it (fail closed).
2. The dataset: `default-graph-uri`/`named-graph-uri` if given, else the query's FROM/FROM NAMED,
   else the store's default (the union of the data and ontology graphs). They only ever select
   graphs already in the store; a name the store lacks is an empty graph. Nothing is fetched.
3. `QueryRunner.run`: oxigraph evaluates it through `Store.query`, and the results are written in
   the negotiated format with the row cap (signalled, never silent) and the byte cap applied.

`QueryPool` runs that in worker processes forked from the web worker, so each holds the store
copy-on-write and never writes to it. A worker gets an address-space cap, no network where the
kernel allows it (a second wall behind the SERVICE check), and a deadline enforced by killing it;
a killed or crashed worker is replaced. pyoxigraph cannot be interrupted from Python, so killing
the process is the only way to stop a runaway query.
"""
