"""Outbound HTTP to URLs that callers choose (webhook receivers): only to public addresses,
or to the networks an operator allowed, and plain http only to those networks.

A URL is vetted when it is accepted, and every connection is checked again: the host is
resolved once, every address it resolves to is checked, and the connection goes to a checked
address (so a name that resolves elsewhere between the check and the connection, DNS
rebinding, reaches nothing): app.core.egress_http connects through a Guard."""

import ipaddress
import socket
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# host, port, timeout in seconds -> the addresses it resolves to (raises OSError if none)
Resolver = Callable[[str, int, float | None], list[str]]

# Names that never leave the host or the local network (RFC 6761, RFC 6762, RFC 8375, and
# the private-use TLD), whatever they resolve to.
_INTERNAL_SUFFIXES = ("localhost", "local", "localdomain", "internal", "home.arpa")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class EgressRefusedError(Exception):
    """A destination the policy does not allow; the message says why (never an address)."""


@dataclass(frozen=True)
class EgressPolicy:
    # Networks reached although they are not public, and over plain http too.
    allowed: tuple[IPNetwork, ...] = ()

    def is_allowed(self, address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in self.allowed)

    def refusal(self, address: IPAddress, *, plain_http: bool) -> str | None:
        """Why a connection to `address` is refused, or None."""
        address = _unmapped(address)
        if self.is_allowed(address):
            return None
        kind = internal_kind(address)
        if kind:
            return f"it is {kind}"
        return "plain http goes only to allowed networks; use https" if plain_http else None


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _embedded(address: IPAddress) -> Iterable[IPAddress]:
    """The address and the IPv4 addresses an IPv6 one carries (mapped, 6to4, Teredo, NAT64)."""
    yield address
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            yield address.ipv4_mapped
        if address.sixtofour is not None:
            yield address.sixtofour
        if address.teredo is not None:
            yield from address.teredo
        if address in _NAT64:
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def internal_kind(address: IPAddress) -> str | None:
    """What makes an address not public (loopback, private, link-local, ...), or None."""
    for candidate in _embedded(address):
        for kind, matches in (
            ("an unspecified address", candidate.is_unspecified),
            ("a loopback address", candidate.is_loopback),
            ("a link-local address", candidate.is_link_local),
            ("a multicast address", candidate.is_multicast),
            ("a site-local address", getattr(candidate, "is_site_local", False)),
            ("a private address", candidate.is_private),
            ("a reserved address", candidate.is_reserved),
            ("not a public address", not candidate.is_global),
        ):
            if matches:
                return kind
    return None


def is_internal_name(host: str) -> bool:
    """localhost and its kind, and single-label names (searched in local domains)."""
    name = host.rstrip(".").lower()
    return "." not in name or any(
        name == suffix or name.endswith("." + suffix) for suffix in _INTERNAL_SUFFIXES
    )


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


_RESOLVERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="egress-resolve")


def system_resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """The system resolver, within `timeout` (getaddrinfo has none of its own)."""
    future = _RESOLVERS.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        found = future.result(timeout)
    except FutureTimeout as error:
        future.cancel()
        raise OSError(f"resolving took more than {timeout} s") from error
    except UnicodeError as error:  # a label the IDNA codec refuses (empty, over 63)
        raise OSError("not a name that can be resolved") from error
    return list(dict.fromkeys(str(info[4][0]) for info in found))


@dataclass(frozen=True)
class Guard:
    """Where connections may go: the policy, the resolver, and whether they carry plain http."""

    policy: EgressPolicy
    resolve: Resolver
    plain_http: bool

    def addresses(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        """The checked addresses to connect to; EgressRefusedError if any of them is refused, and
        OSError if the name does not resolve."""
        literal = _literal(host)
        found = (
            [literal]
            if literal is not None
            else [_parse(a) for a in self.resolve(host, port, timeout)]
        )
        if not found:
            raise OSError("the name resolves to no address")
        internal_name = literal is None and is_internal_name(host)
        if internal_name and not all(self.policy.is_allowed(_unmapped(a)) for a in found):
            raise EgressRefusedError(f"{host} is an internal name")
        for address in found:
            reason = self.policy.refusal(address, plain_http=self.plain_http)
            if reason:
                what = "the address" if literal is not None else f"{host} resolves to one that"
                raise EgressRefusedError(f"{what} is refused: {reason}")
        return [_unmapped(address) for address in found]


def is_valid_name(host: str) -> bool:
    """A DNS name: labels of 1 to 63 characters, 253 in all."""
    labels = host.rstrip(".").split(".")
    return len(host) <= 253 and all(0 < len(label) <= 63 for label in labels)


def _parse(address: str) -> IPAddress:
    return ipaddress.ip_address(address.split("%", 1)[0])


def vet_url(url: str, *, policy: EgressPolicy, resolve: Resolver, timeout: float) -> None:
    """Refuse (EgressRefusedError) a URL that could not be posted to under the policy: not http(s),
    credentials in it, or a host that is or resolves to a refused address. A public name
    that does not resolve now passes: it is checked again on every connection."""
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise EgressRefusedError("only http and https URLs with a host are posted to")
    if parsed.username is not None or parsed.password is not None:
        raise EgressRefusedError("credentials do not belong in the URL")
    host, literal = parsed.hostname, _literal(parsed.hostname)
    if literal is None and not is_valid_name(host):
        raise EgressRefusedError(f"{host[:80]} is not a valid host name")
    guard = Guard(policy=policy, resolve=resolve, plain_http=parsed.scheme == "http")
    try:
        port = parsed.port or (80 if guard.plain_http else 443)
    except ValueError:
        raise EgressRefusedError("the port is out of range") from None
    try:
        guard.addresses(host, port, timeout)
    except OSError as error:
        if guard.plain_http or literal is not None or is_internal_name(host):
            raise EgressRefusedError(
                f"{host} does not resolve, so it cannot be checked against the allowed networks"
            ) from error
