#!/bin/sh
# Entry point of the alertmanager container: writes the configuration from the template and the
# environment (quoting each value for YAML), then starts Alertmanager with it.
set -eu

: "${ALERT_EMAIL_TO:?set ALERT_EMAIL_TO in .env: where alerts are mailed}"
: "${MAIL_SERVER:?set MAIL_SERVER in .env: alerts are sent through it}"
MAIL_PORT=${MAIL_PORT:-587}
MAIL_FROM=${MAIL_FROM:-alerts@localhost}
MAIL_USERNAME=${MAIL_USERNAME:-}
MAIL_PASSWORD=${MAIL_PASSWORD:-}
case "$(printf %s "${MAIL_USE_TLS:-true}" | tr 'A-Z' 'a-z')" in
  1|true|yes|on) MAIL_USE_TLS=true ;;
  *) MAIL_USE_TLS=false ;;
esac

template=${ALERTMANAGER_TEMPLATE:-/etc/alertmanager/alertmanager.yml.template}
config=${ALERTMANAGER_CONFIG:-/tmp/alertmanager.yml}

# Values go inside single-quoted YAML strings: a quote is written twice; sed's own specials escaped.
quote() { printf %s "$1" | sed -e "s/'/''/g" -e 's/[\\&|]/\\&/g'; }

umask 077
sed -e "s|\${ALERT_EMAIL_TO}|$(quote "$ALERT_EMAIL_TO")|g" \
    -e "s|\${MAIL_SERVER}|$(quote "$MAIL_SERVER")|g" \
    -e "s|\${MAIL_PORT}|$(quote "$MAIL_PORT")|g" \
    -e "s|\${MAIL_FROM}|$(quote "$MAIL_FROM")|g" \
    -e "s|\${MAIL_USERNAME}|$(quote "$MAIL_USERNAME")|g" \
    -e "s|\${MAIL_PASSWORD}|$(quote "$MAIL_PASSWORD")|g" \
    -e "s|\${MAIL_USE_TLS}|$MAIL_USE_TLS|g" \
    "$template" > "$config"

[ "${ALERTMANAGER_RENDER_ONLY:-0}" = 1 ] && exit 0
exec /bin/alertmanager --config.file="$config" --storage.path=/alertmanager "$@"
