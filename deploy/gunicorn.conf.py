"""gunicorn settings for one app server of contests (see README, "Several machines").

Each setting can be changed from the environment (systemd's EnvironmentFile), so the file itself
is the same on every server. Sync workers: the load balancer buffers each request before it
reaches us (HAProxy's ``option http-buffer-request``), so a slow client holds no worker.
"""

import multiprocessing
import os

wsgi_app = "wsgi:app"
bind = os.environ.get("CONTESTS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CONTESTS_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A request slower than this is killed (a PDF of a huge prize table takes well under a second).
timeout = int(os.environ.get("CONTESTS_WEB_TIMEOUT", "30"))
# On SIGTERM (systemctl stop, a deploy), requests in progress get this long to finish.
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then: a slow leak never grows without bound.
max_requests = 20000
max_requests_jitter = 2000
# Only the load balancer may set X-Forwarded-*: the app's ProxyFix trusts CONTESTS_PROXY_COUNT
# hops, gunicorn only these addresses.
forwarded_allow_ips = os.environ.get("CONTESTS_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("CONTESTS_ACCESS_LOG", "-")
errorlog = "-"
proc_name = "contests-web"
