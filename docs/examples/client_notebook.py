# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # PM Bridge from a notebook
#
# Asking the network with `pmbridge.client`: sign in, count individuals, read the release marks,
# break a cohort down, rank diseases and search the knowledge base. Start the demo first
# (`scripts/demo` or `pmbridge demo`); `PMBRIDGE_HUB_URL` names its hub (default
# `http://127.0.0.1:8100`). Open this file as a notebook with Jupytext (`jupytext --to notebook`),
# or run it as a script. The CI runs it against a real demo network (tests/client/test_notebook.py).

# %%
# ruff: noqa: T201  (a notebook shows its results by printing them)
import os

from pmbridge.client import HubClient
from pmbridge.errors import PMBridgeError

URL = os.environ.get("PMBRIDGE_HUB_URL", "http://127.0.0.1:8100")
SEIZURE = "HP:0001250"

hub = HubClient(URL, timeout=60)
for node in hub.nodes().nodes:
    print(f"node {node.id}: {node.health} ({node.jurisdiction}, datasets: {', '.join(node.datasets)})")

# %% [markdown]
# ## Anonymous: the public tier
#
# Without a passport every count is rounded and noised (`≈40`); a count below the minimum is
# held back (`<11`): its `value` is `None`, never 0. The total is the sum of what was released.

# %%
answer = hub.count([SEIZURE])
for dataset in answer.datasets:
    print(f"{dataset.node}/{dataset.id}: {dataset.count.mark if dataset.count else dataset.exists}")
print("total:", answer.total.mark if answer.total else "none", "| granularity:", answer.granularity)

# %% [markdown]
# ## Signed in as a registered researcher
#
# The demo hub's broker issues passports for its demo users. The client keeps the passport and
# sends it with every later call; each noised count now spends ε from the researcher's budget.

# %%
signed = hub.sign_in("eu-researcher")
print("signed in as", signed.user.id if signed.user else "?", "until", signed.expires_at)
answer = hub.count([SEIZURE], sex="female")
table = answer.to_arrow()
print(table.select(["node", "dataset", "value", "mark", "epsilon"]).to_pylist()[:3])

# %% [markdown]
# ## A small cohort: held-back numbers stay held back
#
# Every row keeps its `mark` (`<11`, `hidden`, `refused`, …) and a held-back `value` is null.

# %%
small = hub.count([SEIZURE], gene="FBN1", max_age=10)
rows = small.to_arrow().to_pylist()
held = [row for row in rows if row["how"] == "suppressed"]
print(
    "held back:",
    len(held),
    "of",
    len(rows),
    "| every held-back value is null:",
    all(r["value"] is None for r in held),
)
for node in small.nodes:
    if not node.answered:
        print(f"node {node.node} {node.status}" + (f" (rule {node.rule})" if node.rule else ""))

# %% [markdown]
# ## Aggregates for charts: one row per total and breakdown cell

# %%
cost = hub.cost([SEIZURE], breakdowns=["sex"])
print(f"this question would spend ε {cost.epsilon:g} over {len(cost.datasets)} datasets")
aggregates = hub.aggregates([SEIZURE], breakdowns=["sex"])
cells = aggregates.to_arrow()
print("aggregate rows:", cells.num_rows, "| columns:", ", ".join(cells.column_names))
try:
    frame = aggregates.to_pandas()  # needs `pip install pandas`
    print(frame.head())
except PMBridgeError as exc:
    print("no pandas here:", exc.hint)

# %% [markdown]
# ## Diseases that explain a patient, and patients like them

# %%
ranking = hub.rank([SEIZURE, "HP:0001166"], limit=3)
for disease in ranking.diseases:
    print(f"{disease.rank}. {disease.id} {disease.name} (score {disease.score:.2f})")
matches = hub.match([SEIZURE, "HP:0001166"], limit=5)
print("matches:", len(matches.matches), "| band counts from", len(matches.aggregates), "datasets")

# %% [markdown]
# ## The knowledge base

# %%
found = hub.search_knowledge("GDPR", limit=3)
print("knowledge hits:", ", ".join(hit.id for hit in found.hits))

# %% [markdown]
# ## Refusals are errors with a rule and a fix
#
# Law enforcement is never a purpose PM Bridge serves (rule X5): the hub refuses before any node
# is asked, and the client raises the error the hub's code names.

# %%
with HubClient(URL, passport=signed.passport, purpose="law_enforcement") as police:
    try:
        police.count([SEIZURE])
    except PMBridgeError as exc:
        print(f"refused: {type(exc).__name__} {exc.code} rule={exc.refusal_rule}")
        print("hint:", exc.hint)

hub.close()
