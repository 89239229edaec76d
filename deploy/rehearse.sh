#!/usr/bin/env bash
# Rehearse README.md's 「部署到服务器」 on a throw-away Debian 12 machine, as root: the commands are taken from the
# README itself (its first ```sh block in that section), so the README is what is tried, not a copy of it.
#
#   sudo bash deploy/rehearse.sh            # from a checkout; it clones that checkout to /opt/fazhan
#
# What it changes on the machine: user fazhan, /opt/fazhan, /etc/fazhan, /var/lib/fazhan, a PostgreSQL role and
# database fazhan, nginx's site "fazhan" with a self-signed certificate. Where PID 1 is not systemd (a container),
# `systemctl … fazhan` runs the unit's ExecStart as the unit's user instead, and nginx is started directly.
# Then it checks: /ready through nginx over HTTPS, an administrator's login, JSON log lines with request ids.
set -euo pipefail

checkout=$(cd "$(dirname "$0")/.." && pwd)
domain=dangjian.example.edu.cn
password=${FAZHAN_REHEARSAL_PASSWORD:-Rehearsal-$(date +%s)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

awk '/^## 部署到服务器/{f=1} f&&/^```sh/{c=1;next} c&&/^```/{exit} c' "$checkout/README.md" > "$work/readme.sh"
[ -s "$work/readme.sh" ] || { echo "README.md 中找不到部署命令。" >&2; exit 1; }

if [ "$(ps -p 1 -o comm=)" = systemd ]; then systemd=yes; else systemd=no; fi
sed -i \
  -e "s#<本仓库地址>#$checkout#" \
  -e "s#fazhan user add admin --role 管理员#fazhan user add admin --role 管理员 --password '$password'#" \
  -e '/journalctl -u fazhan -f/d' \
  "$work/readme.sh"
if [ $systemd = no ]; then
  sed -i \
    -e 's#^systemctl daemon-reload && systemctl enable --now fazhan#(cd /var/lib/fazhan \&\& runuser -u fazhan -- env FAZHAN_CONFIG=/etc/fazhan/fazhan.toml /opt/fazhan/.venv/bin/fazhan serve > /var/lib/fazhan/serve.log 2>\&1 \&) \&\& sleep 20#' \
    -e 's#systemctl reload nginx#(nginx -s reload 2>/dev/null || nginx)#' \
    -e 's#^apt-get install -y postgresql#apt-get install -y postgresql#' \
    "$work/readme.sh"
  echo 'pg_lsclusters --no-header | awk "{print \$1, \$2}" | while read -r v c; do pg_ctlcluster "$v" "$c" start || true; done' \
    > "$work/start-pg.sh"
fi

# The certificate the nginx snippet names (a real one comes from the 党委's certificate authority).
mkdir -p /etc/ssl/private
[ -f /etc/ssl/certs/$domain.pem ] || openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=$domain" \
  -keyout /etc/ssl/private/$domain.key -out /etc/ssl/certs/$domain.pem 2>/dev/null
rm -f /etc/nginx/sites-enabled/default

echo "== README 的部署命令（$(wc -l < "$work/readme.sh") 行）=="
if [ $systemd = no ]; then
  # apt installs PostgreSQL without starting it where there is no systemd: start its cluster after step 1.
  sed -i '/^git clone/i bash '"$work"'/start-pg.sh' "$work/readme.sh"
fi
bash -euxo pipefail "$work/readme.sh"

echo "== 检查 =="
https() { curl -sk --resolve "$domain:443:127.0.0.1" "$@"; }
https "https://$domain/ready" | tee "$work/ready.json"; echo
grep -q '"status":"ready"' "$work/ready.json"
jar="$work/cookies"
token=$(https -c "$jar" "https://$domain/login" | grep -o 'name="csrf_token" value="[^"]*"' | sed 's/.*value="//;s/"$//')
code=$(https -b "$jar" -c "$jar" -o /dev/null -w '%{http_code}' -X POST --data-urlencode username=admin \
  --data-urlencode "password=$password" --data-urlencode "csrf_token=$token" "https://$domain/login")
[ "$code" = 303 ] || { echo "登录失败（HTTP $code）" >&2; exit 1; }
page=$(https -b "$jar" "https://$domain/organisations")
echo "$page" | grep -q 'action="/logout"' || { echo "登录后看不到页面" >&2; exit 1; }
if [ $systemd = yes ]; then
  journalctl -u fazhan --since "-5min" -o cat | grep -q '"request_id": "[0-9a-f]' || { echo "日志中没有 request_id" >&2; exit 1; }
else
  grep -q '"request_id": "[0-9a-f]' /var/lib/fazhan/serve.log || { echo "日志中没有 request_id" >&2; exit 1; }
fi
echo "部署演练通过：HTTPS 经 nginx 可用，管理员可以登录，日志为 JSON 并带 request_id。管理员密码：$password"
