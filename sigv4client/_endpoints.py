"""Facts read off AWS endpoint host names (pure string work)."""

from __future__ import annotations

import re

# A region as it appears in AWS host names: "us-east-1", "eu-central-2",
# "us-gov-west-1", "cn-north-1", "us-isob-east-1".
_REGION = r"(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2})"
_AWS_HOST = re.compile(
    r"(?:^|\.)"
    + _REGION
    + r"\.(?:amazonaws\.com(?:\.cn)?|api\.aws|on\.aws|c2s\.ic\.gov|sc2s\.sgov\.gov)\Z"
)


def infer_region(host: str) -> str | None:
    """The region named in an AWS endpoint host, or None for other hosts.

    >>> infer_region("abc123.execute-api.eu-west-1.amazonaws.com")
    'eu-west-1'
    >>> infer_region("127.0.0.1:8080") is None
    True
    """
    host = host.rpartition("@")[2].partition(":")[0].lower()
    m = _AWS_HOST.search(host)
    return m.group("region") if m else None
