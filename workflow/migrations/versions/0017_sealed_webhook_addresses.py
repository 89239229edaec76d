"""webhook addresses (企业微信 key, 钉钉 access_token) sealed; organisations refer to their robot, not its address

Revision ID: 0017
Revises: 0016

``robot_targets.url`` and a plain ``organisations.webhook_url`` are sealed under the personal-data key; an
organisation whose robot is on keeps only ``robot:<id>`` in ``webhook_url``; an address copied into an
outbox row's error text or details is masked there. No schema change.
"""

from __future__ import annotations

import urllib.parse

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

NOTICE_TEXTS = ("last_error", "detail")  # where an old error or detail may have copied an address


def _hidden(url: str, masked: str) -> list[tuple[str, str]]:
    """(clear, shown) pairs: the whole address first, then each query value (a key, a token) on its own."""
    pairs = [(url, masked)]
    for values in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).values():
        pairs += [(form, "****") for value in values if len(value) >= 4
                  for form in {value, urllib.parse.quote(value, safe="")}]
    return pairs


def upgrade() -> None:
    from workflow import personal  # only here: the key is needed only when there is something to seal

    bind = op.get_bind()
    robots = bind.execute(sa.text("SELECT organisation_id, url, enabled FROM robot_targets")).all()
    orgs = bind.execute(sa.text("SELECT id, webhook_url FROM organisations WHERE webhook_url <> ''")).all()
    clear = {url for _, url, _ in robots if url and not personal.is_encrypted(url)}
    clear |= {url for _, url in orgs if not url.startswith(personal.ROBOT_REFERENCE) and not personal.is_encrypted(url)}
    if not clear:
        return
    on = {org: url for org, url, enabled in robots if enabled}
    for org_id, url in orgs:
        if on.get(org_id) == url:  # the robot's own address: the outbox needs only to know there is one
            bind.execute(sa.text("UPDATE organisations SET webhook_url = :ref WHERE id = :id"),
                         {"ref": personal.robot_reference(org_id), "id": org_id})
    for url in sorted(clear, key=len, reverse=True):
        for secret, shown in _hidden(url, personal.mask_webhook(url)):
            for column in NOTICE_TEXTS:
                bind.execute(sa.text(f"UPDATE notices SET {column} = REPLACE({column}, :secret, :shown)"  # noqa: S608
                                     f" WHERE {column} LIKE :pattern"),
                             {"secret": secret, "shown": shown, "pattern": f"%{secret}%"})
    personal.seal_webhook_addresses(bind, personal.load_keys(bind.engine.url), None)


def downgrade() -> None:
    pass  # sealed addresses stay sealed: the code of every later version reads them
