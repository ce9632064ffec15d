#!/usr/bin/env bash
# make run: a demo hearing end to end on this machine.
#   1. generates a short 4-seat hearing (espeak-ng: Mandarin voice cmn-latn-pinyin and English
#      en-us; sox mixes a 4-channel 16 kHz WAV with a little bleed between the microphones),
#   2. starts `courtscribe server` with its data under var/demo,
#   3. creates an agent token for the courtroom "demo",
#   4. runs `courtscribe agent` replaying the hearing at real time (DEMO_FAST=1: as fast as acks allow),
#   5. prints the web UI's address, the demo logins and where the archive is; the server keeps
#      running until Ctrl-C (DEMO_EXIT=1: stop
#      after the replay). Ctrl-C stops everything cleanly (agent drains, server syncs).
# Environment: DEMO_LISTEN (default 127.0.0.1:8080), DEMO_FAST, DEMO_EXIT, DEMO_SERVER_ARGS (extra
# server flags, e.g. "--asr remote --asr-url http://gpu-box:8080" or "--asr whisper --model F").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=$ROOT/var/demo
DATA=$DEMO/data
GEN=$DEMO/gen
LISTEN=${DEMO_LISTEN:-127.0.0.1:8080}
BIN=$ROOT/bin/courtscribe
for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "run-demo: $tool is missing (make deps installs it)"; exit 1; }
done
# The port must be free before anything starts: a second `make run`, or another program on
# 8080, would otherwise make the server fail after the script had printed its address.
host=${LISTEN%:*} port=${LISTEN##*:}
if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
  echo "run-demo: $LISTEN is already in use (another courtscribe, or another program)." >&2
  echo "run-demo: choose another address, e.g.:  DEMO_LISTEN=127.0.0.1:8090 make run" >&2
  exit 2
fi
if [ ! -x "$BIN" ]; then
  mkdir -p bin && go build -o "$BIN" ./cmd/courtscribe
fi
mkdir -p "$DATA" "$GEN"

# ---- 1. the demo hearing -------------------------------------------------------------
# seat|voice|text   (seats: 1 judge, 2 clerk, 3 prosecutor, 4 defense)
script=(
  "2|cmn-latn-pinyin+f2|xian4 zai4 xuan1 bu4 fa3 ting2 ji4 lv4. qing3 quan2 ti3 qi3 li4."
  "1|cmn-latn-pinyin+m3|xian4 zai4 kai1 ting2. ben3 an4 shi4 mai3 mai4 he2 tong2 jiu1 fen1 an4."
  "1|cmn-latn-pinyin+m3|qing3 yuan2 gao4 fang1 chen2 shu4 su4 song4 qing3 qiu2."
  "3|en-us+m1|Your honor, the plaintiff asks the court to order payment of the full contract price."
  "4|en-us+f3|The defense objects. The goods were delivered late and did not match the sample."
  "1|cmn-latn-pinyin+m3|bei4 gao4 fang1, ni3 men2 you3 mei2 you3 zheng4 ju4?"
  "4|en-us+f3|Yes. We submit the delivery receipt dated the fifth of March as exhibit two."
  "2|cmn-latn-pinyin+f2|zheng4 ju4 er4 yi3 jing1 ji4 lu4."
  "3|en-us+m1|The receipt shows the delivery was accepted without any objection."
  "1|cmn-latn-pinyin+m3|shuang1 fang1 hai2 you3 mei2 you3 xin1 de5 yi4 jian4?"
  "3|en-us+m1|The plaintiff also asks for interest from the date payment was due, and for the costs of this action."
  "2|cmn-latn-pinyin+f2|qing3 shuang1 fang1 he2 dui4 ting2 shen3 bi3 lu4, que4 ren4 wu2 wu4 hou4 qian1 zi4."
  "4|en-us+f3|No further questions, your honor."
  "1|cmn-latn-pinyin+m3|xian4 zai4 xiu1 ting2. ben3 an4 ze2 ri4 xuan1 pan4."
)
wav=$GEN/hearing-4ch.wav
if [ ! -s "$wav" ]; then
  echo "run-demo: generating the demo hearing (espeak-ng + sox)"
  tmp=$(mktemp -d)
  sox -n -r 16000 -c 1 -b 16 "$tmp/pause.wav" trim 0 1.0
  declare -a lists=("" "" "" "")
  i=0
  for line in "${script[@]}"; do
    IFS='|' read -r seat voice text <<<"$line"
    espeak-ng -v "$voice" -s 150 -w "$tmp/raw$i.wav" "$text"
    sox "$tmp/raw$i.wav" -r 16000 -c 1 -b 16 "$tmp/u$i.wav" norm -3
    sox "$tmp/u$i.wav" "$tmp/b$i.wav" vol 0.08 # bleed into the other microphones (about -22 dB)
    for s in 1 2 3 4; do
      if [ "$s" = "$seat" ]; then f=$tmp/u$i.wav; else f=$tmp/b$i.wav; fi
      lists[$((s - 1))]+=" $tmp/pause.wav $f"
    done
    i=$((i + 1))
  done
  for s in 1 2 3 4; do
    # shellcheck disable=SC2086
    sox ${lists[$((s - 1))]} "$tmp/pause.wav" "$tmp/seat$s-clean.wav"
    len=$(soxi -D "$tmp/seat$s-clean.wav")
    sox -n -r 16000 -c 1 -b 16 "$tmp/noise$s.wav" synth "$len" whitenoise vol 0.004
    sox -m -v 1 "$tmp/seat$s-clean.wav" -v 1 "$tmp/noise$s.wav" -b 16 "$tmp/seat$s.wav"
  done
  sox -M "$tmp/seat1.wav" "$tmp/seat2.wav" "$tmp/seat3.wav" "$tmp/seat4.wav" -b 16 "$wav"
  rm -rf "$tmp"
fi
echo "run-demo: hearing $wav ($(soxi -d "$wav"), $(soxi -c "$wav") channels: judge, clerk, prosecutor, defense)"

# ---- demo users (before the server opens the database) ---------------------------------
# name|role|password — printed at the end; change them for anything but a demo.
users=("admin|admin|demo-admin" "clerk|clerk|demo-clerk" "judge|judge|demo-judge" "viewer|viewer|demo-viewer")
for u in "${users[@]}"; do
  IFS='|' read -r name role pw <<<"$u"
  # an existing user (a second run) is left as it is
  printf '%s\n' "$pw" | "$BIN" users add --data "$DATA" --name "$name" --role "$role" --password-stdin >/dev/null 2>&1 || true
done

# ---- 2. server, 3. token, 4. agent ----------------------------------------------------
server_pid="" agent_pid=""
stop_all() {
  trap - INT TERM
  echo
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
    echo "run-demo: stopping the agent (it drains its spool)"
    kill -INT "$agent_pid" 2>/dev/null || true
    wait "$agent_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    echo "run-demo: stopping the server (it syncs the archive)"
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  echo "run-demo: stopped; archive in $DATA/hearings"
  exit 0
}
trap stop_all INT TERM

# Job control puts the server and the agent in their own process groups: a Ctrl-C reaches
# only this script, which stops the agent first (it drains its spool into the running server)
# and then the server.
set -m
# shellcheck disable=SC2086
"$BIN" server --listen "$LISTEN" --data "$DATA" ${DEMO_SERVER_ARGS:-} 2> >(sed -u 's/^/[server] /' >&2) &
server_pid=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/${LISTEN%:*}/${LISTEN##*:}") 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { echo "run-demo: the server did not start (is $LISTEN taken? set DEMO_LISTEN)"; exit 1; }
  sleep 0.1
done
kill -0 "$server_pid" 2>/dev/null || { echo "run-demo: the server exited at start (is $LISTEN taken? set DEMO_LISTEN=127.0.0.1:PORT)" >&2; exit 1; }
echo "run-demo: server on http://$LISTEN (metrics: http://$LISTEN/metrics)"
token=$("$BIN" tokens add --data "$DATA" --courtroom demo | tail -n1)

# The clerk's hearing: case data and the seat map in court words, made through the API as an
# admin would in the UI.
hearing_id="demo-$(date -u +%Y%m%d-%H%M%S)"
jar=$(mktemp)
csrf=$(curl -sf -c "$jar" -H 'Content-Type: application/json' -H "Origin: http://$LISTEN" \
  -d '{"name":"admin","password":"demo-admin"}' "http://$LISTEN/api/login" | sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p')
curl -sf -b "$jar" -H 'Content-Type: application/json' -H "Origin: http://$LISTEN" -H "X-CSRF-Token: $csrf" \
  -d "{\"id\":\"$hearing_id\",\"case_number\":\"（2026）京0105民初1234号\",\"cause\":\"买卖合同纠纷\",
       \"court\":\"北京市朝阳区人民法院\",\"courtroom\":\"demo\",\"title\":\"原告甲公司诉被告乙公司买卖合同纠纷\",
       \"language\":\"zh\",\"presiding\":\"judge\",\"clerk\":\"clerk\",
       \"parties\":[\"原告甲公司的委托诉讼代理人张明\",\"被告乙公司的委托诉讼代理人Mary Smith\"],
       \"vocabulary\":[\"买卖合同\",\"违约金\",\"送货单\"],
       \"seats\":[{\"seat\":\"judge\",\"role\":\"审判长\",\"person\":\"王平\"},{\"seat\":\"clerk\",\"role\":\"书记员\",\"person\":\"李静\"},
                {\"seat\":\"prosecutor\",\"role\":\"原告代理人\",\"person\":\"张明\"},{\"seat\":\"defense\",\"role\":\"被告代理人\",\"person\":\"Mary Smith\"}]}" \
  "http://$LISTEN/api/hearings" >/dev/null || echo "run-demo: could not create the hearing through the API (the agent will still record)"
rm -f "$jar"

fast=()
[ -n "${DEMO_FAST:-}" ] && fast=(--fast)
rm -rf "$DEMO/agent-spool"
"$BIN" agent --server "ws://$LISTEN" --token "$token" --courtroom demo --hearing "$hearing_id" \
  --seats judge=1,clerk=2,prosecutor=3,defense=4 --source "$wav" "${fast[@]}" \
  --spool "$DEMO/agent-spool" >"$DEMO/agent.out" 2> >(sed -u 's/^/[agent] /' >&2) &
agent_pid=$!
cat <<EOF
run-demo: agent replaying hearing $hearing_id$([ -n "${DEMO_FAST:-}" ] && echo " (fast)" || echo " at real time"); Ctrl-C stops everything

  web UI:  http://$LISTEN/            (segments appear as people speak)
  logins:  clerk / demo-clerk     judge / demo-judge     admin / demo-admin     viewer / demo-viewer
  engine:  ${DEMO_ASR_NOTE:-none — segments stay pending until an engine is configured (server --asr whisper|remote; see README)}

EOF
set +e
wait "$agent_pid"
rc=$?
set -e
agent_pid=""
hearing=$(sed -n 's/^hearing: //p' "$DEMO/agent.out" | tail -n1)
if [ "$rc" != 0 ]; then
  echo "run-demo: the agent exited with status $rc"
fi
if [ -n "$hearing" ]; then
  echo "run-demo: replay done; the clerk closes and finalizes the hearing in the UI. Archive of hearing $hearing:"
  ls -l "$DATA/hearings/$hearing" "$DATA/hearings/$hearing/audio"
fi
if [ -n "${DEMO_EXIT:-}" ]; then
  stop_all
fi
echo "run-demo: server still running on http://$LISTEN; Ctrl-C to stop"
wait "$server_pid"
