"""The access matrix, generated from the URL configuration.

Every route of `django.urls.get_resolver()` (API router, pages, admin) is classified: by the
model's `scope_path` where that says enough (a ModelAdmin, a read-only viewset), else by the
tables of tests/scoping/routes.py; a route that cannot be classified fails
`test_every_route_is_declared` naming the line to add. Rows in every area position come from
`row_in(model, area)` of tests/factories.py. From the classification the cells follow:

- API: viewset route x HTTP method/action x actor (ACTORS) x position of the row relative to
  the actor (own, parent, sibling, child; "mine" for personal rows). A row in scope is listed
  and readable; out of scope it is absent from lists, 404 for detail/update/delete and "does
  not exist" for a create under it; writes in scope are 403 for those who may not write.
- Pages: page x actor (x position for pages about one row): 200 in scope, 404 outside, and no
  name of an area outside the actor's scope nor anyone else's notification in the HTML.
- Admin: ModelAdmin x view x administrator x position; everyone else is sent to the login.
- Refusals: anonymous callers (401/403 JSON from the API, a redirect from pages and admin),
  API client accounts on pages (by session: 403; by token: not signed in).

The package:

- routes.py: the declarations and the rules (who may write, add, delete) they expect.
- matrix.py: walking and classifying the routes; the cells of the matrix.
- world.py: the district, the people of tests/conftest.py PEOPLE as actors, and clients
  signed in as each.
- conftest.py: `world` and this package's `db` (see their docstrings).
- test_routes_declared.py, test_api_matrix.py, test_page_matrix.py, test_admin_matrix.py,
  test_refusals.py: the tests.

The district, users and rows are built once per test module inside one transaction; every
cell runs in a savepoint of it and leaves nothing behind.
"""
