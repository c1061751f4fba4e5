/** Placeholder front page until the workspace UI lands (issue #7): shows what `/ready` reports. */
interface Check {
  ok: boolean;
  detail: string;
}

async function showStatus(target: HTMLElement): Promise<void> {
  try {
    const res = await fetch("/ready");
    const body = (await res.json()) as { checks: Record<string, Check> };
    const list = document.createElement("ul");
    for (const [name, check] of Object.entries(body.checks)) {
      const item = document.createElement("li");
      item.textContent = `${check.ok ? "✓" : "✗"} ${name}: ${check.detail}`;
      list.append(item);
    }
    target.replaceChildren(list);
  } catch (err) {
    target.textContent = `The API did not answer: ${String(err)}`;
  }
}

const status = document.getElementById("status");
if (status) void showStatus(status);
