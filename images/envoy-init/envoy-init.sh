#!/usr/bin/env bash
# envoy-init: installs the iptables rules that send a pod's TCP traffic through
# its Envoy sidecar, for IPv4 and IPv6. Runs once, as the pod's first init
# container, with NET_ADMIN and NET_RAW, in the pod's network namespace.
#
#   outbound: TCP from the app            -> Envoy's outbound port (15001)
#   inbound:  TCP arriving at the pod     -> Envoy's inbound port (15006)
#   never:    traffic of Envoy's own UID/GID, traffic that stays on loopback,
#             excluded ports and ranges, anything that is not TCP (DNS stays UDP)
#
# The arguments are the ones the webhook writes on the envoy-init container,
# one --flag=value each. Running it twice leaves the same rules.
set -euo pipefail

die() {
  echo "envoy-init: $*" >&2
  exit 1
}
say() { echo "envoy-init: $*"; }

proxy_uid=1337
proxy_gid=1337
outbound_port=15001
inbound_port=15006
exclude_inbound_ports=""
exclude_outbound_ports=""
exclude_outbound_ip_ranges=""
include_outbound_ip_ranges="*"
ip_families="IPv4,IPv6"
backend="${ENVOY_INIT_IPTABLES_BACKEND:-auto}"
dry_run=0

for arg in "$@"; do
  case "$arg" in
    --proxy-uid=*) proxy_uid="${arg#*=}" ;;
    --proxy-gid=*) proxy_gid="${arg#*=}" ;;
    --outbound-port=*) outbound_port="${arg#*=}" ;;
    --inbound-port=*) inbound_port="${arg#*=}" ;;
    --exclude-inbound-ports=*) exclude_inbound_ports="${arg#*=}" ;;
    --exclude-outbound-ports=*) exclude_outbound_ports="${arg#*=}" ;;
    --exclude-outbound-ip-ranges=*) exclude_outbound_ip_ranges="${arg#*=}" ;;
    --include-outbound-ip-ranges=*) include_outbound_ip_ranges="${arg#*=}" ;;
    --ip-families=*) ip_families="${arg#*=}" ;;
    --iptables-backend=*) backend="${arg#*=}" ;;
    --dry-run) dry_run=1 ;;
    *) die "unknown argument '$arg' (expected --proxy-uid=, --proxy-gid=, --outbound-port=, --inbound-port=, --exclude-inbound-ports=, --exclude-outbound-ports=, --exclude-outbound-ip-ranges=, --include-outbound-ip-ranges=, --ip-families=, --iptables-backend=, --dry-run)" ;;
  esac
done

# --- validation: a bad value stops here, before any rule changes ----------

split() { tr ',' '\n' <<<"$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | sed '/^$/d'; }

is_port() { [[ "$1" =~ ^[0-9]{1,5}$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }
is_id() { [[ "$1" =~ ^[0-9]{1,10}$ ]]; }
# The same rule as the webhook's (src/syntax/values.ts, isCidr): an address, a
# "/" and a prefix length without leading zeros; no zone ("%eth0"). A test
# runs one table of ranges through both and requires the same verdicts.
octet='(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
is_ipv4_cidr() { [[ "$1" =~ ^($octet\.){3}$octet/([0-9]|[12][0-9]|3[0-2])$ ]]; }
# The shape of an IPv6 address (hex groups, at most one "::") and a prefix
# length; the webhook has already checked each value with a real parser.
is_ipv6_cidr() {
  local address="${1%%/*}"
  [[ "$1" =~ ^([0-9a-fA-F]{0,4}:){2,7}([0-9a-fA-F]{0,4}|($octet\.){3}$octet)/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$ ]] &&
    [[ "$address" != *:::* && "${address#*::}" != *::* ]]
}

is_id "$proxy_uid" || die "--proxy-uid=$proxy_uid is not a user id"
is_id "$proxy_gid" || die "--proxy-gid=$proxy_gid is not a group id"
is_port "$outbound_port" || die "--outbound-port=$outbound_port is not a port (1-65535)"
is_port "$inbound_port" || die "--inbound-port=$inbound_port is not a port (1-65535)"
for list in exclude_inbound_ports exclude_outbound_ports; do
  while read -r port; do
    is_port "$port" || die "--${list//_/-}: '$port' is not a port (1-65535)"
  done < <(split "${!list}")
done
for list in exclude_outbound_ip_ranges include_outbound_ip_ranges; do
  while read -r range; do
    [[ "$range" == "*" && "$list" == include_outbound_ip_ranges ]] && continue
    is_ipv4_cidr "$range" || is_ipv6_cidr "$range" || die "--${list//_/-}: '$range' is not an IP range (10.0.0.0/8, fd00::/8)"
  done < <(split "${!list}")
done
want_ipv4=0
want_ipv6=0
while read -r family; do
  case "$family" in
    IPv4) want_ipv4=1 ;;
    IPv6) want_ipv6=1 ;;
    *) die "--ip-families: '$family' is not IPv4 or IPv6" ;;
  esac
done < <(split "$ip_families")
case "$backend" in auto | nft | legacy) ;; *) die "--iptables-backend=$backend: use auto, nft or legacy" ;; esac

# --- the rules, as iptables-restore input for one family ------------------

# rules FAMILY (4 or 6): the nat table's ENVOY_* chains and the two jumps into them.
rules() {
  local family="$1" port range
  cat <<EOF
*nat
:ENVOY_INBOUND - [0:0]
:ENVOY_IN_REDIRECT - [0:0]
:ENVOY_OUTPUT - [0:0]
:ENVOY_REDIRECT - [0:0]
-A ENVOY_IN_REDIRECT -p tcp -j REDIRECT --to-ports $inbound_port
-A ENVOY_REDIRECT -p tcp -j REDIRECT --to-ports $outbound_port
EOF
  # Inbound: ports the proxy serves itself (health, metrics) and excluded ones
  # reach their listener directly; every other TCP port goes to Envoy.
  while read -r port; do echo "-A ENVOY_INBOUND -p tcp --dport $port -j RETURN"; done < <(split "$exclude_inbound_ports")
  echo "-A ENVOY_INBOUND -p tcp -j ENVOY_IN_REDIRECT"
  # Outbound: Envoy's own connections (including its passthrough to the app)
  # must never come back to Envoy, or every connection would loop.
  echo "-A ENVOY_OUTPUT -m owner --uid-owner $proxy_uid -j RETURN"
  echo "-A ENVOY_OUTPUT -m owner --gid-owner $proxy_gid -j RETURN"
  # Loopback (localhost and the pod's own IP) stays local: a sidecar that
  # intercepted the app talking to itself would only add latency.
  echo "-A ENVOY_OUTPUT -o lo -j RETURN"
  while read -r port; do echo "-A ENVOY_OUTPUT -p tcp --dport $port -j RETURN"; done < <(split "$exclude_outbound_ports")
  while read -r range; do
    if { [[ $family == 4 ]] && is_ipv4_cidr "$range"; } || { [[ $family == 6 ]] && ! is_ipv4_cidr "$range"; }; then
      echo "-A ENVOY_OUTPUT -d $range -j RETURN"
    fi
  done < <(split "$exclude_outbound_ip_ranges")
  while read -r range; do
    if [[ "$range" == "*" ]]; then
      echo "-A ENVOY_OUTPUT -j ENVOY_REDIRECT"
    elif { [[ $family == 4 ]] && is_ipv4_cidr "$range"; } || { [[ $family == 6 ]] && ! is_ipv4_cidr "$range"; }; then
      echo "-A ENVOY_OUTPUT -d $range -j ENVOY_REDIRECT"
    fi
  done < <(split "$include_outbound_ip_ranges")
  cat <<EOF
-A PREROUTING -p tcp -j ENVOY_INBOUND
-A OUTPUT -p tcp -j ENVOY_OUTPUT
COMMIT
EOF
}

if ((dry_run)); then
  ((want_ipv4)) && { echo "# IPv4 (iptables-restore --noflush)"; rules 4; }
  ((want_ipv6)) && { echo "# IPv6 (ip6tables-restore --noflush)"; rules 6; }
  exit 0
fi

# --- which iptables: the node's backend -------------------------------------

# The pod shares the node's kernel: rules written through the backend the node
# does not use (nf_tables vs. legacy x_tables) may be ignored or clash. Follow
# the backend that already holds rules here; with none, nft when it works.
rule_count() { "$1" 2>/dev/null | grep -c '^-' || true; }
usable() { command -v "$1" >/dev/null 2>&1 && "$1" -t nat -S >/dev/null 2>&1; }
if [[ "$backend" == auto ]]; then
  command -v iptables-nft >/dev/null 2>&1 || command -v iptables-legacy >/dev/null 2>&1 ||
    die "iptables is not installed: this script needs iptables-nft or iptables-legacy (the envoy-init image has both)"
  legacy_rules=$(rule_count iptables-legacy-save)
  nft_rules=$(rule_count iptables-nft-save)
  if ((legacy_rules > nft_rules)) && usable iptables-legacy; then
    backend=legacy
  elif usable iptables-nft; then
    backend=nft
  elif usable iptables-legacy; then
    backend=legacy
  else
    detail=$( (iptables-nft -t nat -S || iptables-legacy -t nat -S) 2>&1 >/dev/null | head -1 || true)
    die "cannot use iptables here (${detail:-no output}): the container needs to run as root with the NET_ADMIN and NET_RAW capabilities"
  fi
fi
command -v "iptables-$backend-restore" >/dev/null 2>&1 || die "iptables-$backend-restore is not installed"

# remove_rules TOOL (e.g. iptables-nft): takes our chains and jumps out, so a
# second run starts clean and ends with the same rules.
remove_rules() {
  local tool="$1"
  while "$tool" -t nat -D PREROUTING -p tcp -j ENVOY_INBOUND 2>/dev/null; do :; done
  while "$tool" -t nat -D OUTPUT -p tcp -j ENVOY_OUTPUT 2>/dev/null; do :; done
  for chain in ENVOY_INBOUND ENVOY_IN_REDIRECT ENVOY_OUTPUT ENVOY_REDIRECT; do
    "$tool" -t nat -F "$chain" 2>/dev/null || true
  done
  for chain in ENVOY_INBOUND ENVOY_IN_REDIRECT ENVOY_OUTPUT ENVOY_REDIRECT; do
    "$tool" -t nat -X "$chain" 2>/dev/null || true
  done
}

# install_rules FAMILY PREFIX: FAMILY 4 or 6, PREFIX iptables or ip6tables.
install_rules() {
  local family="$1" prefix="$2" output
  local tool="$prefix-$backend"
  remove_rules "$tool"
  if ! output=$(rules "$family" | "$prefix-$backend-restore" --noflush 2>&1); then
    die "cannot install the IPv$family rules with $prefix-$backend-restore: ${output:-no message} (the container needs NET_ADMIN and NET_RAW, as root)"
  fi
  say "IPv$family rules installed ($backend backend):"
  "$tool" -t nat -S | grep -E 'ENVOY_' | sed 's/^/  /'
}

((want_ipv4)) && install_rules 4 iptables
if ((want_ipv6)); then
  if [[ ! -e /proc/net/if_inet6 ]]; then
    # A node with IPv6 disabled has no IPv6 traffic to capture.
    say "IPv6 is disabled in this kernel: no IPv6 rules"
  else
    install_rules 6 ip6tables
  fi
fi
say "traffic capture ready: outbound TCP -> :$outbound_port, inbound TCP -> :$inbound_port, UID $proxy_uid / GID $proxy_gid exempt"
