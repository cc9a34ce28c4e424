#!/bin/bash
# Records etcd's JSON gateway replies (Debian's etcd 3.4) that the lease code
# reads, into Tests/Fixtures/etcd-replies/ (status line, headers, body, as
# curl -i gives them). Run again after an etcd upgrade; the unit tests read
# the files.
#
# usage: system-tests/lease/record-etcd-replies.sh   (~30 s; needs etcd-server, curl)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$TOP/Tests/Fixtures/etcd-replies
T=$(mktemp -d /tmp/etcd-record.XXXXXX)
CLUSTER="r1=http://127.0.0.1:24801,r2=http://127.0.0.1:24802,r3=http://127.0.0.1:24803"
PIDS=()
for i in 1 2 3; do
    etcd --name "r$i" --data-dir "$T/r$i" --listen-peer-urls "http://127.0.0.1:2480$i" --initial-advertise-peer-urls "http://127.0.0.1:2480$i" \
        --listen-client-urls "http://127.0.0.1:2479$i" --advertise-client-urls "http://127.0.0.1:2479$i" \
        --initial-cluster "$CLUSTER" --initial-cluster-state new --initial-cluster-token record >"$T/r$i.log" 2>&1 &
    PIDS+=($!)
done
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
EP=http://127.0.0.1:24791
for _ in $(seq 100); do etcdctl --endpoints=$EP endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
mkdir -p "$OUT"
b64() { printf %s "$1" | base64 -w0; }
# keep NAME PATH BODY [HEADER]: one call's raw reply, CRLF headers as sent.
keep() { curl -s -i --raw -m 15 -X POST "$EP$2" -d "$3" ${4:+-H "$4"} > "$OUT/$1.http"; }
KEY=$(b64 /nodeguard/producer/ourbp)
curl -s -i --raw "$EP/version" > "$OUT/version.http"
keep lease-grant /v3/lease/grant '{"TTL":10}'
LEASE=$(sed -n 's/.*"ID":"\([0-9]*\)".*/\1/p' "$OUT/lease-grant.http")
take() { echo '{"compare":[{"result":"EQUAL","target":"CREATE","key":"'$KEY'","create_revision":"0"}],"success":[{"request_put":{"key":"'$KEY'","value":"'$(b64 "$1")'","lease":"'$2'"}}],"failure":[{"request_range":{"key":"'$KEY'"}}]}'; }
keep txn-taken /v3/kv/txn "$(take host-a "$LEASE")"
keep txn-held-by-another /v3/kv/txn "$(take host-b "$LEASE")"
keep range-held /v3/kv/range '{"key":"'$KEY'"}'
keep lease-keepalive /v3/lease/keepalive '{"ID":"'$LEASE'"}'
keep lease-revoke /v3/lease/revoke '{"ID":"'$LEASE'"}'
keep lease-keepalive-gone /v3/lease/keepalive '{"ID":"'$LEASE'"}'
keep range-empty /v3/kv/range '{"key":"'$KEY'"}'
# Authentication: a user, then a wrong password and a call without a token.
etcdctl --endpoints=$EP user add root:rootpw >/dev/null
etcdctl --endpoints=$EP user grant-role root root >/dev/null
etcdctl --endpoints=$EP user add ngbp:rightpw >/dev/null
etcdctl --endpoints=$EP role add ngbp >/dev/null
etcdctl --endpoints=$EP role grant-permission ngbp --prefix=true readwrite /nodeguard/ >/dev/null
etcdctl --endpoints=$EP user grant-role ngbp ngbp >/dev/null
etcdctl --endpoints=$EP auth enable >/dev/null
keep auth-wrong-password /v3/auth/authenticate '{"name":"ngbp","password":"wrong"}'
keep auth-ok /v3/auth/authenticate '{"name":"ngbp","password":"rightpw"}'
keep range-no-token /v3/kv/range '{"key":"'$KEY'"}'
etcdctl --endpoints=$EP --user root:rootpw auth disable >/dev/null
# Quorum lost: two members stopped; a write answers late, and with an error.
kill "${PIDS[1]}" "${PIDS[2]}"; wait "${PIDS[1]}" "${PIDS[2]}" 2>/dev/null || true; sleep 2
keep put-no-quorum /v3/kv/put '{"key":"'$(b64 k)'","value":"'$(b64 v)'"}'
ls -l "$OUT"
