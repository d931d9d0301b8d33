"""A bounded load generator for a running `esicheck serve`: N concurrent clients for T seconds.

Each client loops: POST a synthetic note (a distinct `note_id` per request, so every request
is a real analysis and a real insert), then GET it back. The run stops at the deadline or after
`max_requests`, whichever comes first, and reports throughput and p50/p99 latency per request.
Only loopback targets are accepted: this is a test tool, not a way to load someone's server.
The notes are synthetic and contain no patient data.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

NOTE_TEMPLATE = """PROCEDURE NOTE
PROCEDURE: Left L5-S1 interlaminar epidural steroid injection under fluoroscopic guidance.
DIAGNOSIS: Left S1 lumbar radiculopathy.
INDICATIONS: Leg pain for {weeks} weeks despite 6 weeks of physical therapy. MRI shows a left
L5-S1 disc herniation. Pre-procedure pain {pain}/10.
CONSENT: Written informed consent was obtained.
DESCRIPTION: Under AP fluoroscopy the L5-S1 interlaminar space was entered with loss of
resistance. Omnipaque 240, 2 mL, showed epidural spread. Depo-Medrol 80 mg and saline 2 mL
were injected.
POST-PROCEDURE: No complications. Pain 2/10 after the procedure.
"""


class LoadTestError(ValueError):
    """The load test was asked for something it refuses to do (e.g. a non-loopback target)."""


@dataclass
class LoadResult:
    """Counts and latencies of one run; `errors` counts transport errors and non-2xx."""

    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        bad = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return bad + self.transport_errors

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Latency in seconds at quantile `q` (0..1); 0 when nothing was measured."""
        if not self.latencies:
            return 0.0
        if len(self.latencies) == 1:
            return self.latencies[0]
        cuts = statistics.quantiles(self.latencies, n=1000, method="inclusive")
        return cuts[min(len(cuts) - 1, max(0, round(q * 1000) - 1))]

    def to_dict(self) -> dict[str, object]:
        return {
            "clients": self.clients, "seconds": round(self.seconds, 2),
            "requests": self.requests, "errors": self.errors,
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.percentile(0.50) * 1000, 1),
            "p99_ms": round(self.percentile(0.99) * 1000, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "transport_errors": self.transport_errors,
        }


def check_loopback(url: str) -> None:
    """Refuse any target whose host does not resolve only to loopback addresses."""
    host = urlsplit(url).hostname
    if not host:
        raise LoadTestError("url: a host is required, e.g. http://127.0.0.1:8000")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise LoadTestError("url: the host does not resolve") from exc
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback
                                for a in addresses):
        raise LoadTestError("url: only loopback targets (127.0.0.1, ::1, localhost) are allowed")


async def _client(http: httpx.AsyncClient, result: LoadResult, deadline: float,
                  budget: list[int], number: int) -> None:
    sequence = 0
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 2
        sequence += 1
        body = {"text": NOTE_TEMPLATE.format(weeks=4 + sequence % 20, pain=3 + number % 7),
                "note_id": f"load-{uuid.uuid4().hex}"}
        created = await _timed(http, result, "POST", "/v1/analyses", json=body)
        if created is not None and created.status_code == 201:
            await _timed(http, result, "GET", f"/v1/analyses/{created.json()['id']}")


async def _timed(http: httpx.AsyncClient, result: LoadResult, method: str, path: str,
                 **kwargs: object) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await http.request(method, path, **kwargs)  # type: ignore[arg-type]
    except httpx.HTTPError:
        result.transport_errors += 1
        return None
    result.latencies.append(time.perf_counter() - started)
    result.statuses[response.status_code] += 1
    return response


async def run_load(url: str, key: str, clients: int = 50, seconds: float = 60.0,
                   max_requests: int = 200_000, timeout: float = 60.0) -> LoadResult:
    """Drive `clients` concurrent clients against `url` until `seconds` or `max_requests`."""
    check_loopback(url)
    if not 1 <= clients <= 500 or not 0 < seconds <= 600:
        raise LoadTestError("clients must be 1..500 and seconds 0..600")
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {key}"}
    result = LoadResult(clients=clients, seconds=0.0)
    budget = [max_requests]
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits,
                                 timeout=timeout) as http:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(_client(http, result, deadline, budget, n)
                               for n in range(clients)))
        result.seconds = time.monotonic() - started
    return result


def load(url: str, key: str, clients: int = 50, seconds: float = 60.0,
         max_requests: int = 200_000) -> LoadResult:
    """Synchronous wrapper of `run_load` (for the CLI and tests)."""
    return asyncio.run(run_load(url, key, clients, seconds, max_requests))
