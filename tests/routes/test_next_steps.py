"""No dead ends: after joining or being approved the affiliate gets a link to copy at once, and the
dashboards' figures open the lists they count."""
import re

from sqlalchemy import select

from app.extensions import db
from app.models.campaigns import Membership
from app.models.tracking import Link
from app.services.campaigns import memberships
from tests.factories import make_campaign, make_conversion, make_link, make_membership, make_user
from tests.routes.csrf import post_form

HX = {"HX-Request": "true"}


def links_of(affiliate_id):
    return db.session.scalars(select(Link).where(Link.affiliate_id == affiliate_id)).all()


def test_an_open_join_answers_the_tracking_link_with_a_copy_button(client, login_as, outbox):
    campaign = make_campaign(name="Summer sale")
    affiliate = login_as("affiliate")
    html = post_form(client, f"/campaigns/{campaign.id}/join", headers=HX).get_data(as_text=True)
    (link,) = links_of(affiliate.id)
    assert link.campaign_id == campaign.id and link.destination_url is None
    # The link in full, in the swapped block itself, with its copy button and the way to make more.
    assert f"/r/{link.code}</textarea>" in html
    assert f'data-copy-target="plain-link-{link.id}"' in html
    assert f'href="/links/new?campaign={campaign.id}"' in html
    # The email carries the same link.
    (to_affiliate,) = [m for m in outbox if m["to"] == affiliate.email]
    assert f"/r/{link.code}" in to_affiliate["body"]


def test_joining_again_reuses_the_plain_link(client, login_as):
    campaign = make_campaign()
    affiliate = login_as("affiliate")
    post_form(client, f"/campaigns/{campaign.id}/join", headers=HX)
    post_form(client, f"/campaigns/{campaign.id}/leave", headers=HX)
    html = post_form(client, f"/campaigns/{campaign.id}/join", headers=HX).get_data(as_text=True)
    (link,) = links_of(affiliate.id)
    assert f"/r/{link.code}" in html


def test_an_application_gets_no_link_until_approved(client, login_as, outbox):
    campaign = make_campaign(join_mode="review")
    affiliate = login_as("affiliate")
    html = post_form(client, f"/campaigns/{campaign.id}/join", headers=HX).get_data(as_text=True)
    assert links_of(affiliate.id) == [] and "/r/" not in html and "/links/new" not in html
    membership = db.session.scalar(select(Membership).where(Membership.affiliate_id == affiliate.id))
    outbox.clear()
    memberships.decide(membership.id, True, campaign.merchant_id)
    (link,) = links_of(affiliate.id)
    (mail,) = [m for m in outbox if m["to"] == affiliate.email]
    assert f"/r/{link.code}" in mail["body"] and f"/campaigns/{campaign.id}/view#tracking-link" in mail["body"]
    page = client.get(f"/campaigns/{campaign.id}/view").get_data(as_text=True)
    assert 'id="tracking-link"' in page and f"/r/{link.code}</textarea>" in page


def test_approval_of_a_paused_campaign_makes_no_link_and_says_where_to_go(app, outbox):
    campaign = make_campaign(join_mode="review", status="paused")
    membership = make_membership(campaign, status="pending")
    memberships.decide(membership.id, True, campaign.merchant_id)
    assert links_of(membership.affiliate_id) == []
    (mail,) = [m for m in outbox if m["to"] == membership.affiliate.email]
    assert f"/campaigns/{campaign.id}/view#tracking-link" in mail["body"] and "/r/" not in mail["body"]


def test_bulk_approval_gives_each_affiliate_a_link(app):
    campaign = make_campaign(join_mode="review")
    waiting = [make_membership(campaign, status="pending") for _ in range(3)]
    assert memberships.decide_many([m.id for m in waiting], True, campaign.merchant) == 3
    for membership in waiting:
        assert len(links_of(membership.affiliate_id)) == 1


def test_a_member_with_only_labelled_links_is_offered_the_form(client, login_as):
    campaign = make_campaign()
    affiliate = login_as("affiliate")
    make_membership(campaign, affiliate)
    make_link(campaign, affiliate, label="Blog")
    page = client.get(f"/campaigns/{campaign.id}/view").get_data(as_text=True)
    assert "Make a tracking link" in page and "</textarea>" not in page


def test_leaving_removes_the_link_block(client, login_as):
    campaign = make_campaign()
    login_as("affiliate")
    post_form(client, f"/campaigns/{campaign.id}/join", headers=HX)
    html = post_form(client, f"/campaigns/{campaign.id}/leave", headers=HX).get_data(as_text=True)
    assert 'id="tracking-link"' not in html and "/links/new" not in html


def test_the_new_link_form_preselects_its_campaign(client, login_as):
    campaign = make_campaign(name="Tea")
    affiliate = login_as("affiliate")
    make_membership(campaign, affiliate)
    html = client.get(f"/links/new?campaign={campaign.id}").get_data(as_text=True)
    (option,) = re.findall(rf'<option[^>]*value="{campaign.id}"[^>]*>', html)
    assert "selected" in option


def test_admin_dashboard_figures_open_the_lists_they_count(client, login_as):
    make_conversion(status="pending")
    login_as("admin")
    html = client.get("/home/admin").get_data(as_text=True)
    for href in ('/conversions/?status=pending', '/admin/users?role=merchant', '/admin/users?role=affiliate',
                 '/campaigns/?status=active', '/payouts/admin?status=requested', '/payouts/admin?status=approved'):
        assert f'class="stat" href="{href}"' in html, href
    listed = client.get("/conversions/?status=pending").get_data(as_text=True)
    assert "badge-pending" in listed


def test_merchant_and_affiliate_dashboard_figures_are_links(client, login_as):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant)
    login_as(merchant)
    html = client.get("/home/merchant").get_data(as_text=True)
    for href in ("/campaigns/applications", "/conversions/?status=pending", "/campaigns/?status=active"):
        assert f'class="stat" href="{href}"' in html, href
    assert f'href="/campaigns/{campaign.id}"' in html
    login_as("affiliate")
    html = client.get("/home/affiliate").get_data(as_text=True)
    for href in ("/conversions/mine?status=pending", "/conversions/mine?status=approved"):
        assert f'class="stat" href="{href}"' in html, href


def test_a_campaigns_figures_open_its_filtered_lists(client, login_as):
    merchant = login_as("merchant")
    campaign = make_campaign(merchant)
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    for href in (f"/campaigns/{campaign.id}/affiliates", f"/conversions/campaign-clicks?campaign={campaign.id}",
                 f"/conversions/?campaign={campaign.id}", f"/conversions/?campaign={campaign.id}&amp;status=approved",
                 "/integration#test-title"):
        assert f'href="{href}"' in html, href


def test_a_decision_on_one_row_updates_the_filters_pending_counts(client, login_as):
    merchant = login_as("merchant")
    campaign = make_campaign(merchant, join_mode="review", name="Green tea")
    first, _second = (make_membership(campaign, status="pending") for _ in range(2))
    response = post_form(client, f"/campaigns/applications/{first.id}/decide",
                         {"decision": "approve", "campaign": str(campaign.id)}, headers=HX,
                         token_url="/campaigns/applications")
    html = response.get_data(as_text=True)
    assert '<select id="filter-campaign" name="campaign" hx-swap-oob="true">' in html
    assert re.search(rf'<option value="{campaign.id}" selected>Green tea \(1\)</option>', html)


def test_the_applications_list_carries_the_campaign_filter_once(client, login_as):
    # Only a row answered alone after a decision brings the filter out of band; the rows of the list do not.
    merchant = login_as("merchant")
    campaign = make_campaign(merchant, join_mode="review", name="Green tea")
    for _ in range(3):
        make_membership(campaign, status="pending")
    for url in ("/campaigns/applications", f"/campaigns/applications?campaign={campaign.id}"):
        for headers in ({}, HX):
            html = client.get(url, headers=headers).get_data(as_text=True)
            assert html.count('id="filter-campaign"') == 1, (url, headers)
            assert 'hx-swap-oob="true">' not in html.split('id="applications"', 1)[1].split("</table>")[0]
