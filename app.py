"""The Chalice app: routes and wiring only. The domain lives in ``chalicelib``."""

from chalice import Chalice, Rate

from chalicelib import jobs
from chalicelib.api import (
    admin,
    admin_customers,  # noqa: F401  (registers its routes on admin.bp)
    admin_imports,  # noqa: F401  (registers its routes on admin.bp)
    checkout_pages,
    code_pages,
    companies,
    customer,
    pages,
    portal,
    storefront,
    wiring,  # noqa: F401  (plugs companies into ERP links)
)
from chalicelib.api.middleware import http_middleware

app = Chalice(app_name="customer-accounts")
# Every answer is JSON or HTML text; an XLSX import arrives as a binary request body.
app.api.binary_types = ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
app.register_middleware(http_middleware, "http")

app.register_blueprint(storefront.bp)
app.register_blueprint(customer.bp)
app.register_blueprint(portal.bp)
app.register_blueprint(companies.bp)
app.register_blueprint(pages.bp)
app.register_blueprint(checkout_pages.bp)
app.register_blueprint(code_pages.bp)
app.register_blueprint(admin.bp)  # its routes include the back office's and the imports'


@app.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_sweeper")
def outbox_sweeper(event: object) -> dict[str, int]:
    return jobs.sweep_outbox()


@app.schedule(Rate(1, unit=Rate.MINUTES), name="invitation_worker")
def invitation_worker(event: object) -> int:
    return jobs.advance_invitations()


@app.schedule(Rate(1, unit=Rate.MINUTES), name="erasure_worker")
def erasure_worker(event: object) -> int:
    return jobs.advance_erasures()


@app.schedule(Rate(1, unit=Rate.MINUTES), name="import_worker")
def import_worker(event: object) -> int:
    return jobs.advance_imports()


@app.schedule(Rate(1, unit=Rate.HOURS), name="cleanup")
def scheduled_cleanup(event: object) -> dict[str, object]:
    return jobs.run_cleanup()


@app.lambda_function(name="customer_removed")
def customer_removed(event: dict, context: object) -> dict[str, int]:
    return jobs.remove_children(event)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="webhook_sweeper")
def webhook_sweeper(event: object) -> dict[str, int]:
    return jobs.sweep_webhooks()


@app.lambda_function(name="event_publisher")
def event_publisher(event: dict, context: object) -> dict[str, int]:
    return jobs.publish_events(event)


@app.lambda_function(name="outbox_sender")
def outbox_sender(event: dict, context: object) -> dict[str, int]:
    return jobs.send_from_stream(event)
