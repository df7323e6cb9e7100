# syntax=docker/dockerfile:1
# Zairyu Guide: the same `python -m bot serve` as everywhere else (docs/deploy.md, "A
# container image").
#
#   docker build -t zairyu-guide .
#   docker run -d --name zairyu-guide -p 127.0.0.1:8080:8080 \
#       -v zairyu-data:/var/lib/zairyu-guide \
#       -v /etc/zairyu-guide/partners.toml:/etc/zairyu-guide/partners.toml:ro \
#       --env-file /etc/zairyu-guide/env zairyu-guide
#
# Behind a proxy, give the options after the image name (they replace CMD), e.g.
#   ... zairyu-guide python -m bot serve --host 0.0.0.0 --forwarded-allow-ips 172.17.0.1 \
#       --public-origin https://guide.example.org

# --- build: a wheel of the project, with its catalogs compiled -------------------------
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
# pip pinned as in the Makefile; the build requirements (setuptools, Babel) are pinned in
# pyproject.toml.
RUN python -m pip install --no-cache-dir --root-user-action=ignore pip==26.3
COPY pyproject.toml setup.py README.md LICENSE ./
COPY bot/ bot/
COPY locales/ locales/
# setup.py compiles every locales/*/LC_MESSAGES/messages.po into the wheel's bot/locales
# with Babel's write_mo, as `make compile` (tools/catalogs.py compile) does for a checkout.
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- run --------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ZAIRYU_DB=/var/lib/zairyu-guide/zairyu.db
# A fixed numeric uid, so that a runAsNonRoot check and a bind-mounted volume can name it.
RUN groupadd --system --gid 10001 zairyu \
    && useradd --system --uid 10001 --gid zairyu --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin zairyu
COPY constraints.txt /tmp/constraints.txt
COPY --from=build /wheels/ /tmp/wheels/
# The dependencies at the versions the tests ran with (constraints.txt), with the
# PostgreSQL store's extra; then a check that every catalog loads (fail the build, not
# the first user in Nepali).
RUN python -m pip install --no-cache-dir --root-user-action=ignore pip==26.3 \
    && python -m pip install --no-cache-dir --root-user-action=ignore \
        -c /tmp/constraints.txt "$(ls /tmp/wheels/zairyu_guide-*.whl)[postgres]" \
    && rm -rf /tmp/wheels /tmp/constraints.txt \
    && python -c "from bot.i18n import LOCALES, translator; [translator(x) for x in LOCALES]"
# The working directory holds the partners file serve reads by default (config/
# partners.toml); mount your own over it, or set ZAIRYU_PARTNERS. No source tree here:
# `python -m bot` runs the installed package.
WORKDIR /srv/zairyu-guide
COPY config/partners.toml config/partners.toml
RUN install -d -o zairyu -g zairyu -m 0700 /var/lib/zairyu-guide
VOLUME ["/var/lib/zairyu-guide"]
USER 10001:10001
EXPOSE 8080
# python, not curl (the slim image has no curl); the default port 8080.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
# SIGTERM (docker stop) stops serve cleanly.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "serve", "--host", "0.0.0.0"]
