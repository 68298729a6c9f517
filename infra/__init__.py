"""CloudFormation merged into ``chalice package``, and the stages' IAM policies.

Nothing here is hand-maintained JSON: the tables come from the pynamodb models, the
names from the stage's settings, the Lambda functions from the Chalice app. So the
deployed tables, the policy and the code cannot drift apart (``devtools/package.py``
refuses to package when ``.chalice/policy-<stage>.json`` is not what the code needs).
"""
