"""The page builds correction patches from department-supplied paths without polluting objects."""

from __future__ import annotations

from playwright.async_api import BrowserContext

from tests.conftest import LiveStack

HOSTILE = """
() => {
  const reason = (path) => ({field_path: path, message_zh: "补正", message_en: "fix"});
  const html = renderRegistration({
    registration_id: "x", name: "x", overall_status: "action_required",
    departments: {}, labels: {}, entries: [],
    corrections: [{department: "external", label_zh: "外部", label_en: "external", reasons: [
      reason("__proto__.polluted"), reason("constructor.prototype.polluted"),
      reason("seals.maker_id"),
    ]}],
  });
  return {polluted: ({}).polluted, prototype: Object.prototype.polluted, html};
}
"""


async def test_a_hostile_field_path_from_a_department_pollutes_nothing(
    live_stack: LiveStack, context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    await page.wait_for_function("typeof renderRegistration === 'function'")
    outcome = await page.evaluate(HOSTILE)
    assert outcome["polluted"] is None  # undefined comes back as None
    assert outcome["prototype"] is None
    assert "maker_id" in outcome["html"]  # the real path still makes it into the patch
