#!/usr/bin/env python3
"""Generates the local site farm: pages, nginx and dnsmasq configuration, a farm CA, the
scenario inventory and the findings each scenario must produce (written by hand below, never
derived from icpaudit's output).

Everything listens on loopback only: DNS 127.0.0.1:DNS_PORT, HTTP :HTTP_PORT, HTTPS :HTTPS_PORT.
"""
import argparse
import math
import random
import gzip
import json
import os
import pwd
import shutil
import subprocess
import zlib

# FARM_PORT_OFFSET moves every port (a second farm beside another on the same machine).
PORT_OFFSET = int(os.environ.get("FARM_PORT_OFFSET", "0"))
DNS_PORT, HTTP_PORT, HTTPS_PORT = 15353 + PORT_OFFSET, 18080 + PORT_OFFSET, 18443 + PORT_OFFSET
HOSTILE_DNS_PORT = 15354 + PORT_OFFSET  # scripts/farm/hostile.py's DNS servers
WEB = "127.0.0.1"          # nginx, http and https, inside the provider's ranges
OUTSIDE = "127.0.1.1"      # nginx too, but outside inventories/farm-ranges.txt
DEAD = "127.0.0.2"         # nothing listens: connection refused
HTTPS_ONLY = "127.0.0.3"   # nginx https only: http cannot connect
TLS_SILENT = "127.0.0.4"   # scripts/farm/hostile.py: https accepts and never completes the handshake
MANY_HEADERS = "127.0.0.5" # scripts/farm/hostile.py: 10,000 response headers
ENDLESS = "127.0.0.6"      # scripts/farm/hostile.py: a body that never ends
FLAKY = "127.0.0.8"        # scripts/farm/hostile.py: every other answer is a 503
SHARED = "127.0.0.10"      # scripts/farm/hostile.py: slow shared host; logs each connection (--per-ip)
QUICK = "127.0.0.11"       # scripts/farm/hostile.py: quick host; logs each connection (--per-ip)
HTTP_ONLY = "127.0.0.13"   # nginx http only; on the https port scripts/farm/hostile.py logs each connection
                           # (its SNI, to https-attempts.log) and resets it: no TLS there
OTHER_NAME = "127.0.0.14"  # nginx http; https is scripts/farm/hostile.py with a farm certificate for
                           # another name (other-name.test), logging each connection's SNI likewise
TATTLE = "127.0.2.1"       # scripts/farm/hostile.py: logs every connection (leak.test's scripts must never reach it)
HOME = "home.arpa"         # RFC 8375's special-use domain: farm names under a public suffix, never public
METADATA = "169.254.169.254"  # never served (nothing off loopback is): what leak.test's scripts ask for
INTRANET = "10.99.0.1"        # never served, likewise
# Bulk sites are spread over these, as a provider's sites are over its servers (--per-ip).
BULK_IPS = [f"127.0.0.{i}" for i in range(64, 128)]

MIIT = "https://beian.miit.gov.cn/"
PSB_LINK = "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode={code}"


def footer(icp, psb="11010502000001", icp_href=MIIT, psb_href=True, extra=""):
    icp_html = f'<a href="{icp_href}" target="_blank">{icp}</a>' if icp_href else icp
    psb_html = ""
    if psb:
        text = f"京公网安备{psb}号"
        psb_html = f'<a href="{PSB_LINK.format(code=psb)}">{text}</a>' if psb_href else text
    return f'<div class="footer"><p>Copyright © 2026 示例科技有限公司</p><p>{icp_html} {psb_html}</p>{extra}</div>'


def page(title, foot, body="<p>欢迎访问本站。我们提供网站建设与云主机服务。</p>", head=""):
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body><div class="nav"><a href="/">首页</a> <a href="/about">关于我们</a></div>
<div class="main">{body}</div>
{foot}
</body></html>
"""


def scenarios():
    """(domain, inventory row extras, dns, serving, page, expected {host: [codes]}, verdict)."""
    S = []

    def add(domain, icp, expect, verdict, page_html=None, dns=WEB, serve=None, row=None, www=False, files=None, mobile=None,
            listed=True):
        """files: more pages of the site, by path; mobile: the hosts whose mobile view is audited
        (keys "host@mobile" in expect); listed: in the scenario inventory and its expectations."""
        S.append(dict(domain=domain, icp=icp, expect=expect, verdict=verdict, page=page_html, dns=dns,
                      serve=serve or {}, row=row or {}, www=www, files=files or {}, mobile=mobile or [], listed=listed))

    ok_icp = "京ICP备10000001号-1"
    add("ok.test", ok_icp, {}, "pass", page("示例科技", footer(ok_icp)), www=True,
        row=dict(service_name="示例科技", psb="京公网安备11010502000001号"))
    gbk = page("示例科技", footer("京ICP备10000002号-1")).replace('charset="utf-8"', 'charset="gbk"')
    add("gbk.test", "京ICP备10000002号-1", {}, "pass", gbk.replace("©", "版权").encode("gbk"), row=dict(service_name="示例科技"))
    nodecl = page("示例科技", footer("京ICP备10000003号-1")).replace('<meta charset="utf-8">', "")
    add("gbk-nodecl.test", "京ICP备10000003号-1", {}, "pass", nodecl.encode("gb18030"), row=dict(service_name="示例科技"))
    big = "".join(f"<p>第{i}段：云主机与域名服务说明，内容较长，用于测试大页面。</p>" for i in range(40000))
    add("large.test", "京ICP备10000004号-1", {}, "pass", page("示例科技", footer("京ICP备10000004号-1"), body=big))
    add("missing.test", "京ICP备10000005号-1", {"missing.test": ["ICP_MISSING"]}, "fail", page("示例科技", footer("")))
    add("wrong.test", "京ICP备10000006号-1", {"wrong.test": ["ICP_WRONG"]}, "fail", page("示例科技", footer("京ICP备99999999号-1")))
    add("subject.test", "京ICP备10000007号-1", {"subject.test": ["ICP_SUBJECT_LEVEL"]}, "fail", page("示例科技", footer("京ICP备10000007号")))
    add("yue.test", "粤ICP备10000008号-1", {}, "pass", page("示例科技", footer("粤ICP备10000008号")))
    add("notlinked.test", "京ICP备10000009号-1", {"notlinked.test": ["ICP_NOT_LINKED"]}, "fail",
        page("示例科技", footer("京ICP备10000009号-1", icp_href=None)))
    add("oldlink.test", "京ICP备10000010号-1", {"oldlink.test": ["ICP_LINK_WRONG"]}, "fail",
        page("示例科技", footer("京ICP备10000010号-1", icp_href="http://www.miitbeian.gov.cn/")))
    add("nopsb.test", "京ICP备10000011号-1", {"nopsb.test": ["PSB_MISSING"]}, "fail", page("示例科技", footer("京ICP备10000011号-1", psb=None)))
    add("psbwrong.test", "京ICP备10000012号-1", {"psbwrong.test": ["PSB_WRONG"]}, "fail",
        page("示例科技", footer("京ICP备10000012号-1", psb="11010502099999")), row=dict(psb="京公网安备11010502000012号"))
    add("psbunlinked.test", "京ICP备10000013号-1", {"psbunlinked.test": ["PSB_NOT_LINKED"]}, "fail",
        page("示例科技", footer("京ICP备10000013号-1", psb_href=False)))
    add("title.test", "京ICP备10000014号-1", {"title.test": ["TITLE_MISMATCH"]}, "fail",
        page("欢迎光临", footer("京ICP备10000014号-1")), row=dict(service_name="示例科技"))
    add("restricted.test", "京ICP备10000015号-1", {"restricted.test": ["TITLE_RESTRICTED"]}, "review",
        page("示例科技论坛", footer("京ICP备10000015号-1")), row=dict(service_name="示例科技"))
    spa = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例科技</title></head><body><div id="app"></div>'
           '<script>window.__FOOTER__={icp:"京ICP备10000016号-1",psb:"京公网安备11010502000016号"};</script>'
           '<script src="/app.js"></script></body></html>')
    # A script shell whose footer /app.js draws: rendered (--render auto), it passes.
    app_js = ('var f = window.__FOOTER__, d = document.getElementById("app");'
              'd.innerHTML = "<h1>示例科技</h1><p>" + "我们提供云主机与网站建设服务。".repeat(20) + "</p>"'
              ' + "<footer><a href=\\"https://beian.miit.gov.cn/\\">" + f.icp + "</a> "'
              ' + "<a href=\\"http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502000016\\">" + f.psb + "</a></footer>";')
    add("spa.test", "京ICP备10000016号-1", {}, "pass", spa, files={"app.js": app_js})
    split = page("示例科技", '<div id="copyright">备案号：<span>京ICP备</span><span>１０００００１７</span><span>号－１</span> '
                 f'<a href="{PSB_LINK.format(code="11010502000001")}">京公网安备 11010502000001 号</a></div>')
    split = split.replace("<span>京ICP备</span>", f'<a href="{MIIT}"><span>京ICP备</span>').replace("<span>号－１</span>", "<span>号－１</span></a>")
    add("split.test", "京ICP备10000017号-1", {}, "pass", split)
    add("redirect-a.test", "京ICP备10000018号-1", {}, "pass", serve={"redirect": "http://redirect-b.test/"})
    add("redirect-b.test", "京ICP备10000019号-1", {}, "pass", page("示例科技", footer("京ICP备10000019号-1")))
    add("offsite.test", "京ICP备10000020号-1", {"offsite.test": ["REDIRECT_OFFSITE"]}, "review", serve={"redirect": "http://elsewhere.test/"})
    add("nxdomain.test", "京ICP备10000021号-1", {"nxdomain.test": ["DNS_NO_RECORD"], "www.nxdomain.test": ["DNS_NO_RECORD"]},
        "unreachable", dns=None, www=True)
    add("nodata.test", "京ICP备10000022号-1", {"nodata.test": ["DNS_NO_RECORD"]}, "unreachable", dns="txt-only")
    add("servfail.test", "京ICP备10000023号-1", {"servfail.test": ["DNS_ERROR"]}, "unreachable", dns="servfail")
    add("refused.test", "京ICP备10000024号-1", {"refused.test": ["CONNECT_FAILED"]}, "unreachable", dns=DEAD)
    add("httpsonly.test", "京ICP备10000025号-1", {}, "pass", page("示例科技", footer("京ICP备10000025号-1")), dns=HTTPS_ONLY)
    add("tlsbad.test", "京ICP备10000026号-1", {"tlsbad.test": ["TLS_FAILED"]}, "review",
        page("示例科技", footer("京ICP备10000026号-1")), serve={"https_redirect": True, "bad_cert": True})
    add("http500.test", "京ICP备10000027号-1", {"http500.test": ["HTTP_ERROR"]}, "unreachable", serve={"status": 500})
    add("slow.test", "京ICP备10000028号-1", {"slow.test": ["TIMEOUT"]}, "unreachable",
        page("示例科技", footer("京ICP备10000028号-1"), body="<p>慢</p>" * 400), serve={"slow": True})
    add("loop.test", "京ICP备10000029号-1", {"loop.test": ["HTTP_ERROR"]}, "unreachable", serve={"loop": True})
    add("notprovider.test", "京ICP备10000030号-1", {"notprovider.test": ["IP_NOT_PROVIDER"]}, "fail",
        page("示例科技", footer("京ICP备10000030号-1")), dns=OUTSIDE)
    add("notfiled.test", "京ICP备10000031号-1", {"notfiled.test": ["IP_NOT_FILED"]}, "fail",
        page("示例科技", footer("京ICP备10000031号-1")), row=dict(ips="127.0.0.9"))
    add("xn--fsqu00a.test", "京ICP备10000032号-1", {}, "pass", page("示例科技", footer("京ICP备10000032号-1")),
        row=dict(domain="例子.test"))
    add("cname.test", "京ICP备10000033号-1", {}, "pass", page("示例科技", footer("京ICP备10000033号-1")), www="cname")
    # Behind CDNs (SPEC "CDN"): each chain is (host, CNAMEs...) ending at an edge outside the
    # farm's ranges. The farm is scanned with --own-cdn tencent-cdn --cloak-check (Farm.swift, scripts).
    cdn = lambda *chains: {"cdn": list(chains)}
    # The provider's own CDN, root and www each through it: no IP finding.
    add("cdnown.test", "京ICP备10000034号-1", {}, "pass", page("示例科技", footer("京ICP备10000034号-1")), www=True,
        dns=cdn(["cdnown.test", "cdnown.test.cdn.dnsv1.com"], ["www.cdnown.test", "www.cdnown.test.cdn.dnsv1.com"]))
    # Another CDN (Akamai's edgekey.net), filed on another address: IP_VIA_CDN in place of both IP rules.
    add("cdnother.test", "京ICP备10000035号-1", {"cdnother.test": ["IP_VIA_CDN"]}, "review",
        page("示例科技", footer("京ICP备10000035号-1")), row=dict(ips="127.0.0.1"),
        dns=cdn(["cdnother.test", "cdnother.test.edgekey.net"]))
    # Alibaba Cloud CDN's name in the middle of the chain, an edge name of no catalogue after it.
    add("cdnmiddle.test", "京ICP备10000036号-1", {"cdnmiddle.test": ["IP_VIA_CDN"]}, "review",
        page("示例科技", footer("京ICP备10000036号-1")),
        dns=cdn(["cdnmiddle.test", "cdnmiddle.test.w.alikunlun.com", "edge7.cdnmiddle-node.test"]))
    # A CNAME that only looks like a CDN's (notedgekey.net is not edgekey.net): the IP rules stand.
    add("cdnlike.test", "京ICP备10000037号-1", {"cdnlike.test": ["IP_NOT_PROVIDER"]}, "fail",
        page("示例科技", footer("京ICP备10000037号-1")), dns=cdn(["cdnlike.test", "cdnlike.test.notedgekey.net"]))

    # Hostile servers: each costs bounded time and memory and ends with one finding (or none).
    ok = lambda n: footer(f"京ICP备{n}号-1")
    add("endless.test", "京ICP备10000040号-1", {"endless.test": ["HTTP_ERROR"]}, "unreachable", dns=ENDLESS)
    add("bomb.test", "京ICP备10000041号-1", {"bomb.test": ["HTTP_ERROR"]}, "unreachable", serve={"bomb": True})
    add("chain.test", "京ICP备10000042号-1", {"chain.test": ["HTTP_ERROR"]}, "unreachable", serve={"chain": True})
    add("bigline.test", "京ICP备10000043号-1", {}, "pass",
        page("示例科技", ok(10000043), body="<p>" + "行" * 1_700_000 + "</p>").replace("\n", ""))
    add("bigtitle.test", "京ICP备10000044号-1", {}, "pass", page("示例科技" + "长" * 350_000, ok(10000044)),
        row=dict(service_name="示例科技"))
    add("badbytes.test", "京ICP备10000045号-1", {}, "pass",
        page("示例科技", ok(10000045)).encode().replace(b"<div class=\"main\">", b"<div class=\"main\">\xff\xfe\xc3\x28\x00\x00\xe4\xb8"))
    add("badgbk.test", "京ICP备10000046号-1", {}, "pass",
        page("示例科技", ok(10000046)).replace('charset="utf-8"', 'charset="gbk"').replace("©", "")
        .encode("gbk").replace(b"<div class=\"main\">", b"<div class=\"main\">\xff\xff\x80 \x81\x00"))
    add("nested.test", "京ICP备10000047号-1", {}, "pass",
        page("示例科技", ok(10000047), body="<div>" * 100_000 + "深" + "</div>" * 100_000))
    add("tlshang.test", "京ICP备10000048号-1", {"tlshang.test": ["TIMEOUT"]}, "unreachable", dns=TLS_SILENT)
    add("headers.test", "京ICP备10000049号-1", {}, "pass", dns=MANY_HEADERS)
    add("cnameloop.test", "京ICP备10000051号-1", {"cnameloop.test": ["DNS_NO_RECORD"]}, "unreachable", dns="cname-loop")
    # Fails its first try (503), then answers: the retry makes it pass.
    add("flaky.test", "京ICP备10000049号-1", {}, "pass", dns=FLAKY)
    add("bigdns.test", "京ICP备10000050号-1", {}, "pass", page("示例科技", ok(10000050)), dns="long-cnames")

    # What a person sees (SPEC): the browser's own hops, frames, hidden text, placeholders, the mobile site.
    add("refresh.test", "京ICP备10000060号-1", {}, "pass",
        '<html><head><meta http-equiv="Refresh" content="0; URL=\'/cn/index.html\'"><title>示例科技</title></head><body></body></html>',
        files={"cn/index.html": page("示例科技", ok(10000060))})
    add("jsredirect.test", "京ICP备10000061号-1", {}, "pass",
        '<html><head><title>示例科技</title><script>window.location.href = "/home/";</script></head><body></body></html>',
        files={"home/index.html": page("示例科技", ok(10000061))})
    # A redirect only a click runs is not taken: the page itself is judged.
    click = page("示例科技", footer("", psb=None), body="<p>" + "欢迎访问示例科技，我们提供云主机与网站建设服务。" * 12 + "</p>"
                 '<button onclick="go()">进入</button><script>function go() { location.href = "/cn/"; }</script>')
    add("clickredirect.test", "京ICP备10000062号-1", {"clickredirect.test": ["ICP_MISSING", "PSB_MISSING"]}, "fail", click,
        files={"cn/index.html": page("示例科技", ok(10000062))})
    add("frameset.test", "京ICP备10000063号-1", {}, "pass",
        '<html><head><title>示例科技</title></head><frameset rows="80,*"><frame src="/top.html"><frame src="main.html">'
        '</frameset></html>',
        files={"top.html": '<html><body><a href="/">首页</a></body></html>', "main.html": page("内页", ok(10000063))},
        row=dict(service_name="示例科技"))
    add("iframe.test", "京ICP备10000064号-1", {}, "pass",
        '<html><head><title>示例科技</title></head><body style="margin:0">'
        '<iframe src="/site/index.html" width="100%" height="100%" frameborder="0"></iframe></body></html>',
        files={"site/index.html": page("示例科技", ok(10000064))})
    add("empty.test", "京ICP备10000065号-1", {"empty.test": ["PAGE_PLACEHOLDER"]}, "fail", "")
    add("nginxdefault.test", "京ICP备10000066号-1", {"nginxdefault.test": ["PAGE_PLACEHOLDER"]}, "fail",
        fixture("nginx-debian.html"))
    add("baota.test", "京ICP备10000067号-1", {"baota.test": ["PAGE_PLACEHOLDER"]}, "fail", fixture("baota-site-created.html"))
    hidden_foot = footer("京ICP备10000068号-1").replace('<div class="footer">', '<div class="footer" style="display: none">')
    add("hiddenfooter.test", "京ICP备10000068号-1", {"hiddenfooter.test": ["ICP_MISSING", "PSB_MISSING"]}, "fail",
        page("示例科技", hidden_foot))
    add("hiddenclass.test", "京ICP备10000069号-1", {"hiddenclass.test": ["ICP_MISSING", "PSB_MISSING"]}, "fail",
        page("示例科技", footer("京ICP备10000069号-1").replace('class="footer"', 'class="footer beian"'),
             head="<style>.beian { display:none }</style>"))
    # Phones are sent to m. pages that show no number: the mobile view fails, the desktop passes.
    add("mobile.test", "京ICP备10000070号-1", {"mobile.test@mobile": ["ICP_MISSING", "PSB_MISSING"]}, "fail",
        page("示例科技", ok(10000070)), serve={"mobile_redirect": "http://m.mobile.test/"},
        files={"m/index.html": page("示例科技", footer("", psb=None))}, mobile=["mobile.test"])
    # One URL, another page for phones (Vary: User-Agent) that lacks the 公安备案号.
    add("vary.test", "京ICP备10000071号-1", {"vary.test@mobile": ["PSB_MISSING"]}, "fail",
        page("示例科技", ok(10000071)), serve={"vary": True},
        files={"mobile.html": page("示例科技", footer("京ICP备10000071号-1", psb=None))}, mobile=["vary.test"])
    add("appnumber.test", "京ICP备10000072号-2", {"appnumber.test": ["ICP_WRONG"]}, "fail",
        page("示例科技", footer("京ICP备10000072号-2A")))
    partners = "".join(f'<li><a href="http://p{i}.example/">京ICP备{20000000 + i}号-1</a></li>' for i in range(300))
    add("partners.test", "京ICP备10000073号-1", {}, "pass",
        page("示例科技", ok(10000073), body=f"<h3>友情链接</h3><ul>{partners}</ul>"))
    # Shells whose footer a bundle draws, judged as drawn (--render auto): rule by rule.
    def shell(n, foot_html, inline=False):
        """A script shell; its footer drawn by /bundle.js, or by an inline script (escaped)."""
        body = ('var d = document.getElementById("app");'
                'd.innerHTML = "<h1>\\u793a\\u4f8b\\u79d1\\u6280</h1><p>" + "\\u6211\\u4eec\\u63d0\\u4f9b\\u4e91\\u4e3b\\u673a\\u670d\\u52a1\\u3002".repeat(40) + "</p>"'
                f' + {json.dumps(foot_html)};')
        script = f"<script>{body}</script>" if inline else '<script src="/bundle.js"></script>'
        html = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例科技</title></head><body><div id="app"></div>'
                f'{script}</body></html>')
        return html, ({} if inline else {"bundle.js": body})
    psb_link = lambda code: f'<a href="{PSB_LINK.format(code=code)}">京公网安备{code}号</a>'
    for name, number, foot, expect in [
        ("shell-unlinked", 10000075, lambda n: f'<footer>京ICP备{n}号-1 {psb_link("11010502000001")}</footer>', ["ICP_NOT_LINKED"]),
        ("shell-nopsb", 10000076, lambda n: f'<footer><a href="{MIIT}">京ICP备{n}号-1</a></footer>', ["PSB_MISSING"]),
        ("shell-subject", 10000077, lambda n: f'<footer><a href="{MIIT}">京ICP备{n}号</a> {psb_link("11010502000001")}</footer>', ["ICP_SUBJECT_LEVEL"]),
        ("shell-oldlink", 10000078, lambda n: f'<footer><a href="http://www.miitbeian.gov.cn/">京ICP备{n}号-1</a> {psb_link("11010502000001")}</footer>',
         ["ICP_LINK_WRONG"]),
    ]:
        html, files = shell(number, foot(number), inline=name == "shell-nopsb")
        add(f"{name}.test", f"京ICP备{number}号-1", {f"{name}.test": expect}, "fail", html, files=files)
    # Script shells on sites a person's browser reaches over http only: nothing listens on the
    # https port (HTTP_ONLY), or https serves a certificate for another name (OTHER_NAME). The
    # static walk ends on http://…/; drawn there, as a person's browser shows them, they are
    # judged as drawn, on both views where the phone gets another page. Their names are under
    # home.arpa (RFC 8375: never in the public DNS), a public suffix as .cn is: Chromium leaves
    # names outside the public-suffix list (.test) alone, but would upgrade these to https.
    def foot_of(n, linked=True, psb=True):
        icp = f'<a href="{MIIT}">京ICP备{n}号-1</a>' if linked else f"京ICP备{n}号-1"
        return f'<footer>{icp} {psb_link("11010502000001") if psb else ""}</footer>'
    html, files = shell(10000087, foot_of(10000087))
    add(f"httponly.{HOME}", "京ICP备10000087号-1", {}, "pass", html, dns=HTTP_ONLY, files=files)
    html, _ = shell(10000088, foot_of(10000088, linked=False), inline=True)
    add(f"httponly-unlinked.{HOME}", "京ICP备10000088号-1", {f"httponly-unlinked.{HOME}": ["ICP_NOT_LINKED"]}, "fail", html, dns=HTTP_ONLY)
    # A shell whose bundle holds 384 MB of heap before it draws the footer: stopped at the page's
    # heap budget (a render failure of the site's), the browser and the run go on, and the page
    # is judged as read.
    html, files = shell(10000091, foot_of(10000091))
    hog = "const kept = []; for (let i = 0; i < 24; i++) kept.push(new Array(2 << 20).fill(i + 0.5));"
    add("heaphog.test", "京ICP备10000091号-1", {"heaphog.test": ["PAGE_SCRIPT_RENDERED"]}, "review", html,
        files={"bundle.js": hog + files["bundle.js"]})
    # Phones are sent to an http-only m. site whose shell draws the number unlinked.
    html, files = shell(10000089, foot_of(10000089))
    m_html, _ = shell(10000089, foot_of(10000089, linked=False), inline=True)
    add(f"httponly-mobile.{HOME}", "京ICP备10000089号-1", {f"httponly-mobile.{HOME}@mobile": ["ICP_NOT_LINKED"]}, "fail", html,
        dns=HTTP_ONLY, serve={"mobile_redirect": f"http://m.httponly-mobile.{HOME}/"}, files=dict(files, **{"m/index.html": m_html}),
        mobile=[f"httponly-mobile.{HOME}"])
    # One URL, another shell for phones (Vary: User-Agent) that draws no 公安备案号.
    html, files = shell(10000090, foot_of(10000090))
    m_html, _ = shell(10000090, foot_of(10000090, psb=False), inline=True)
    add(f"othercert.{HOME}", "京ICP备10000090号-1", {f"othercert.{HOME}@mobile": ["PSB_MISSING"]}, "fail", html, dns=OTHER_NAME,
        serve={"vary": True}, files=dict(files, **{"mobile.html": m_html}), mobile=[f"othercert.{HOME}"])
    # No ICP number, and only scripts that cannot draw one (百度统计's snippet, jQuery on its own):
    # --render auto does not draw it (issue 20); ICP_MISSING as the page stands.
    baidu = ('<script>var _hmt = _hmt || []; (function() { var hm = document.createElement("script");'
             ' hm.src = "https://hm.baidu.com/hm.js?0123456789abcdef0123456789abcdef";'
             ' var s = document.getElementsByTagName("script")[0]; s.parentNode.insertBefore(hm, s); })();</script>')
    add("analytics.test", "京ICP备10000099号-1", {"analytics.test": ["ICP_MISSING"]}, "fail",
        page("示例科技", footer("") + '<script src="/jquery.min.js"></script>', head=baidu),
        files={"jquery.min.js": open("/usr/share/javascript/jquery/jquery.min.js", encoding="utf-8").read()})
    # A footer jQuery (Debian's libjs-jquery) loads from a fragment after the page is ready.
    jquery = ('<script src="/jquery.min.js"></script>'
              '<script>$(function () { $("#foot").load("/foot.html"); });</script>')
    add("jquery.test", "京ICP备10000079号-1", {}, "pass", page("示例科技", '<div id="foot"></div>' + jquery),
        files={"jquery.min.js": open("/usr/share/javascript/jquery/jquery.min.js", encoding="utf-8").read(),
               "foot.html": footer("京ICP备10000079号-1")})
    # A footer inside a shadow root, drawn by a custom element.
    shadow = ('<site-footer></site-footer><script>customElements.define("site-footer", class extends HTMLElement {'
              ' connectedCallback() { this.attachShadow({mode: "open"}).innerHTML = '
              + json.dumps(footer("京ICP备10000080号-1")) + '; } });</script>')
    add("shadow.test", "京ICP备10000080号-1", {}, "pass", page("示例科技", shadow))
    # Phones are sent to an m. site by a script that tests the User-Agent: static reading cannot
    # follow it; drawn as a phone, the mobile view lands on the m. page, which shows no number.
    sniff = ('<script>if (/iPhone|Android|Mobile/i.test(navigator.userAgent)) { location.replace("http://m.uasniff.test/"); }</script>')
    add("uasniff.test", "京ICP备10000081号-1", {"uasniff.test@mobile": ["ICP_MISSING", "PSB_MISSING"]}, "fail",
        page("示例科技", ok(10000081), head=sniff), serve={"m_site": True},
        files={"m/index.html": page("示例科技", footer("", psb=None))}, mobile=["uasniff.test"])
    # Real single-page-app builds (Debian's production builds of Vue 2 and of React 18), the
    # footer a component of the app, mounted into an empty element: drawn (--render auto), they
    # are judged as drawn. (Debian 12's vue-router 3.6.5 cannot run: its bundled path-to-regexp
    # gives no `regex.keys`, so any route throws.)
    vendor = lambda path: open(path, encoding="utf-8").read()
    vue_files = {"js/vue.min.js": vendor("/usr/share/javascript/vue/vue.min.js")}
    react_files = {"js/react.production.min.js": vendor("/usr/share/nodejs/react/umd/react.production.min.js"),
                   "js/react-dom.production.min.js": vendor("/usr/share/nodejs/react-dom/umd/react-dom.production.min.js")}
    for name, number, psb, expect in [("vue", 10000082, "11010502000001", []), ("vue-nopsb", 10000083, None, ["PSB_MISSING"])]:
        add(f"{name}.test", f"京ICP备{number}号-1", {f"{name}.test": expect}, "fail" if expect else "pass",
            spa_shell('<div id="app"></div>', ["/js/vue.min.js", "/js/app.js"]),
            files=dict(vue_files, **{"js/app.js": vue_app(f"京ICP备{number}号-1", psb)}))
    for name, number, linked, expect in [("react", 10000084, True, []), ("react-unlinked", 10000085, False, ["ICP_NOT_LINKED"])]:
        add(f"{name}.test", f"京ICP备{number}号-1", {f"{name}.test": expect}, "fail" if expect else "pass",
            spa_shell('<div id="root"></div>', ["/js/react.production.min.js", "/js/react-dom.production.min.js", "/js/app.js"]),
            files=dict(react_files, **{"js/app.js": react_app(f"京ICP备{number}号-1", linked)}))
    # A shell whose scripts, once the footer is drawn, ask for private addresses by fetch(), XHR,
    # an image and an iframe: the farm's tattle listener (by address and by name), the metadata
    # address and an intranet one. Not listed: scanned with --allow-private its scripts would send
    # requests off loopback. Its own test (FarmScanTests) scans it with --allow-private-range.
    leak = ('var d = document.getElementById("app");'
            'd.innerHTML = "<h1>示例科技</h1><p>" + "我们提供云主机与网站建设服务。".repeat(20) + "</p>" + '
            + json.dumps(footer("京ICP备10000086号-1")) + ';'
            'function quiet(p) { p.catch(function () {}); }'
            f'quiet(fetch("http://{TATTLE}/fetch"));'
            f'var x = new XMLHttpRequest(); x.open("GET", "http://tattle.test:{HTTP_PORT}/xhr"); x.send();'
            f'new Image().src = "https://{TATTLE}/img.png";'
            'var f = document.createElement("iframe"); f.src = "http://tattle.test/frame"; document.body.appendChild(f);'
            f'quiet(fetch("http://{METADATA}/latest/meta-data/"));'
            'new Image().src = "http://metadata.test/latest/meta-data/iam/";'
            f'quiet(fetch("http://{INTRANET}/"));'
            'new Image().src = "http://intranet.test/logo.png";')
    add("leak.test", "京ICP备10000086号-1", {}, "pass",
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例科技</title></head><body><div id="app"></div>'
        f'<script>{leak}</script></body></html>', listed=False)
    # Sites whose home page answers only after 8 s, whatever the load (issue 19: at --timeout 5
    # each is TIMEOUT however busy the crawler is); not in the scenario inventory, tests list them.
    for i in range(1, 21):
        late_icp = f"京ICP备1010{i:04d}号-1"
        add(f"late{i:02d}.test", late_icp, {}, "unreachable", page("示例科技", footer(late_icp)), www=True,
            serve={"late_seconds": 8}, listed=False)
    # A footer document.write draws: rendered (--render auto), it passes.
    docwrite = page("示例科技", '<div class="footer"><script>document.write(\'<a href="https://beian.miit.gov.cn/">京ICP备10000074号-1</a> '
                    '<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502000001">京公网安备11010502000001号</a>\');'
                    '</script></div>')
    add("docwrite.test", "京ICP备10000074号-1", {}, "pass", docwrite)

    # Content risks (SPEC, issue 21): what hacked sites carry, and the quiet controls.
    spam = ('<a href="http://bet-one.example/">体育资讯</a> <a href="https://bet-two.example/go">在线娱乐</a> '
            '<a href="//bet-three.example/">最新活动</a>')
    # Three links to other sites in a <marquee> of zero height: hidden links.
    add("darkmarquee.test", "京ICP备10000100号-1", {"darkmarquee.test": ["CONTENT_HIDDEN_LINKS"]}, "fail",
        page("示例科技", ok(10000100), body=f'<p>欢迎访问本站。</p><marquee height="0" width="0">{spam}</marquee>'))
    # One link with a risk word, in text the colour of its background set by the page's <style>.
    add("darkcolour.test", "京ICP备10000101号-1", {"darkcolour.test": ["CONTENT_HIDDEN_LINKS"]}, "fail",
        page("示例科技", ok(10000101), head="<style>.hz { color:#fff; background-color:#ffffff }</style>",
             body='<p>欢迎访问本站。</p><p class="hz"><a href="http://casino.example/">澳门百家乐</a></p>'))
    # Spam appended after </html>, placed off-screen: a browser still has it in the page.
    add("darktail.test", "京ICP备10000102号-1", {"darktail.test": ["CONTENT_HIDDEN_LINKS"]}, "fail",
        page("示例科技", ok(10000102)) + f'<div style="position:absolute;left:-9999px">{spam}</div>')
    # A gambling title and meta keywords on an otherwise normal page: a warning for a person.
    add("gambletitle.test", "京ICP备10000103号-1", {"gambletitle.test": ["CONTENT_RISK_WORDS"]}, "review",
        page("示例科技_澳门威尼斯人_百家乐", ok(10000103),
             head='<meta name="keywords" content="真人娱乐,开户送彩金"><meta name="description" content="示例科技有限公司">'),
        row=dict(service_name="示例科技"))
    # Links document.write puts into a hidden box, with the footer it writes: the drawn page has them.
    darkwrite = page("示例科技", '<div class="footer"><script>document.write(\'<a href="https://beian.miit.gov.cn/">京ICP备10000106号-1</a> '
                     '<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010502000001">京公网安备11010502000001号</a>\');'
                     'document.write(\'<div style="display:none">' + spam.replace("'", "\\'") + '</div>\');</script></div>')
    add("darkwrite.test", "京ICP备10000106号-1", {"darkwrite.test": ["CONTENT_HIDDEN_LINKS"]}, "fail", darkwrite)
    # Controls: a hidden dropdown of the site's own pages and a hidden share pop-up with two
    # off-site links (the page opens both), and lottery news whose words are harmless.
    menu = ('<ul class="menu"><li><a href="/">首页</a><ul style="display:none"><li><a href="http://quietmenu.test/a">产品</a></li>'
            '<li><a href="http://www.quietmenu.test/b">案例</a></li><li><a href="/c">服务</a></li></ul></li></ul>'
            '<a href="javascript:;" onclick="document.getElementById(\'share\').style.display=\'block\'">分享</a>'
            '<div id="share" class="share-pop" style="display:none"><a href="https://service.weibo.com/share/share.php?url=x">微博</a> '
            '<a href="https://connect.qq.com/widget/shareqq/index.html?url=x">QQ</a></div>')
    add("quietmenu.test", "京ICP备10000104号-1", {}, "pass", page("示例科技", ok(10000104), body="<p>欢迎访问本站。</p>" + menu))
    lottery = ('<h1>体育彩票投注站开业</h1><p>福利彩票投注站今日开奖，中国体育彩票平台发布公告；澳门博彩业收入公布，'
               '警方打击网络赌博。</p><p><a href="/news/1">警方捣毁百家乐窝点</a></p>')
    add("lotterynews.test", "京ICP备10000105号-1", {}, "pass", page("示例科技", ok(10000105), body=lottery))
    # Cloaking (scanned with --cloak-check): Baiduspider is served a gambling title and links a
    # person never sees, the person a compliant page; every other scenario serves both the same.
    spider = page("澳门威尼斯人_百家乐_真人娱乐", ok(10000107),
                  body="<p>" + "".join(f'<a href="http://bet{i}.example/">百家乐开户送彩金</a> ' for i in range(5)) + "</p>")
    add("cloaked.test", "京ICP备10000107号-1", {"cloaked.test": ["CONTENT_CLOAKED"]}, "review",
        page("示例科技", ok(10000107)), serve={"spider": True}, files={"spider.html": spider})
    return S


def spa_shell(mount, scripts):
    """A single-page app's served HTML: a title, an empty mount element and its bundles."""
    tags = "".join(f'<script src="{src}"></script>' for src in scripts)
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例科技</title></head><body>{mount}{tags}</body></html>'


def vue_app(icp, psb):
    """A Vue 2 app: a page component and a <site-footer> component (no PSB number when psb is None)."""
    psb_html = f'<a href="{PSB_LINK.format(code=psb)}">京公网安备{psb}号</a>' if psb else ""
    return f"""var SiteFooter = {{
  props: ["icp"],
  template: '<footer class="footer"><p>Copyright © 2026 示例科技有限公司</p><p><a href="{MIIT}" target="_blank">{{{{ icp }}}}</a> {psb_html}</p></footer>'
}};
var HomePage = {{
  data: function () {{ return {{ services: ["云主机", "域名注册", "网站建设"] }}; }},
  template: '<div class="main"><h1>示例科技</h1><p v-for="s in services">我们提供{{{{ s }}}}服务。{"欢迎访问本站。" * 10}</p></div>'
}};
new Vue({{
  components: {{ "home-page": HomePage, "site-footer": SiteFooter }},
  template: '<div id="app"><div class="nav"><a href="/">首页</a> <a href="/about">关于我们</a></div>'
    + '<home-page></home-page><site-footer icp="{icp}"></site-footer></div>'
}}).$mount("#app");
"""


def react_app(icp, linked):
    """A React 18 app (createRoot) with a Footer component; the ICP number unlinked when not `linked`."""
    return f"""var e = React.createElement;
function Footer(props) {{
  var icp = props.linked ? e("a", {{ href: {json.dumps(MIIT)}, target: "_blank" }}, props.icp) : props.icp;
  return e("footer", {{ className: "footer" }},
    e("p", null, "Copyright © 2026 示例科技有限公司"),
    e("p", null, icp, " ", e("a", {{ href: {json.dumps(PSB_LINK.format(code="11010502000001"))} }}, "京公网安备11010502000001号")));
}}
function App() {{
  var state = React.useState("{"我们提供云主机与网站建设服务。" * 20}");
  return e(React.Fragment, null,
    e("div", {{ className: "nav" }}, e("a", {{ href: "/" }}, "首页"), " ", e("a", {{ href: "/about" }}, "关于我们")),
    e("div", {{ className: "main" }}, e("h1", null, "示例科技"), e("p", null, state[0])),
    e(Footer, {{ icp: {json.dumps(icp)}, linked: {"true" if linked else "false"} }}));
}}
ReactDOM.createRoot(document.getElementById("root")).render(e(App));
"""


def fixture(name):
    """A real copy of a default page (Tests/Fixtures/placeholders, provenance in SOURCES.md there)."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "Tests", "Fixtures", "placeholders", name), encoding="utf-8") as f:
        return f.read()


BULK_KINDS = [  # kind, expected codes on each host, verdict
    ("ok", [], "pass"),
    ("ok", [], "pass"),
    ("ok", [], "pass"),
    ("missing", ["ICP_MISSING"], "fail"),
    ("unlinked", ["ICP_NOT_LINKED"], "fail"),
    ("nopsb", ["PSB_MISSING"], "fail"),
]


BULK_SIZES = {"s": 250, "m": 670, "l": 1260}  # paragraphs: about 30, 60 and 150 KB pages


def bulk_page(kind, paragraphs):
    icp = '京ICP备2<!--# echo var="num" -->号-1'
    body = "".join(f"<p>第{i}段：本公司提供云主机、域名注册与网站建设服务，<a href=\"/n/{i}\">了解更多</a>。</p>"
                   for i in range(paragraphs))
    if kind == "missing":
        return page("批量站点", footer(""), body=body)
    if kind == "unlinked":
        return page("批量站点", footer(icp, icp_href=None), body=body)
    if kind == "nopsb":
        return page("批量站点", footer(icp, psb=None), body=body)
    return page("批量站点", footer(icp), body=body)


def bulk_shell(kind):
    """The bulk page of `kind` as a script shell: its footer (and a short body) drawn by an inline
    script, the number still the site's own (SSI)."""
    html = bulk_page(kind, 20)
    foot = html[html.index('<div class="footer">'):html.index("</body>")].strip()
    body = "<p>" + "本公司提供云主机、域名注册与网站建设服务。" * 20 + "</p>"
    assert "'" not in foot
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>批量站点</title></head><body><div id="app"></div>'
            f"<script>document.getElementById(\"app\").innerHTML = '{body}{foot}';</script></body></html>\n")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
        f.write(data)


def make_ca(farm, domains):
    ca = os.path.join(farm, "ca")
    os.makedirs(ca, exist_ok=True)
    run = lambda *a: subprocess.run(a, check=True, cwd=ca, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650",
        "-subj", "/CN=icpaudit farm CA")
    # OpenSSL rejects a wildcard directly under a TLD (*.test), so every name is listed.
    names = [n for d in domains for n in (d, "www." + d)]
    with open(os.path.join(ca, "san.cnf"), "w") as f:
        f.write("subjectAltName=" + ",".join("DNS:" + n for n in names) + "\nbasicConstraints=CA:FALSE\n")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=farm.test")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "3650", "-extfile", "san.cnf")
    # Signed by the farm CA for a name no scenario has: what OTHER_NAME's https serves.
    with open(os.path.join(ca, "other.cnf"), "w") as f:
        f.write("subjectAltName=DNS:other-name.test\nbasicConstraints=CA:FALSE\n")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.csr", "-subj", "/CN=other-name.test")
    run("openssl", "x509", "-req", "-in", "other.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "other.crt", "-days", "3650", "-extfile", "other.cnf")
    # Not signed by the farm CA: verification fails, the page is still readable.
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "bad.key", "-out", "bad.crt", "-days", "3650",
        "-subj", "/CN=tlsbad.test", "-addext", "subjectAltName=DNS:tlsbad.test")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--farm", required=True)
    ap.add_argument("--bulk", type=int, default=0, help="extra generated sites b00001.test…")
    ap.add_argument("--delay-ms", type=int, default=0, help="server-side delay per bulk response")
    ap.add_argument("--delay-spread", default="", metavar="MIN-MAX",
                    help="per-site delays in ms instead, log-uniform from MIN to MAX (most sites quick, a long tail slow)")
    ap.add_argument("--bulk-mobile", type=int, default=0, metavar="PCT",
                    help="phones of PCT %% of the bulk sites (0, 10, 20, …, 100) are sent to an m. site")
    ap.add_argument("--bulk-shells", type=int, default=0, metavar="PCT",
                    help="PCT %% of the bulk sites (0, 10, 20, …, 100) serve their home page as a script shell "
                         "whose inline script draws the same footer (pages --render auto draws)")
    ap.add_argument("--wild", action="store_true",
                    help="bulk sites vary as real ones do (size, encoding, framing, TLS, redirects, GBK, drip, "
                         "late answers, shells, m. sites), each by its site number; see wild_site()")
    args = ap.parse_args()
    if args.wild and (args.delay_ms or args.delay_spread or args.bulk_mobile or args.bulk_shells):
        ap.error("--wild sets its own delays, m. sites and shells")
    farm = os.path.abspath(args.farm)
    www = os.path.join(farm, "www")
    wild = [wild_site(i) for i in range(1, args.bulk + 1)] if args.wild else []
    make_ca(farm, [s["domain"] for s in scenarios()] + ["elsewhere.test"] + [w["domain"] for w in wild if w["tls"] != "plain"])

    hosts_lines, dns_conf, servers, inventory, expected = [], [], [], [], []
    inventory.append("domain,icp,service_name,ips,psb,hosts")
    for s in scenarios():
        d = s["domain"]
        hosts = [d] + ([f"www.{d}"] if s["www"] else [])
        if s["dns"] == "txt-only":
            dns_conf.append(f'txt-record={d},"v=spf1 -all"')
        elif s["dns"] == "cname-loop":
            dns_conf.append(f"server=/{d}/127.0.0.7#{HOSTILE_DNS_PORT}")  # hostile.py answers with the loop
        elif s["dns"] == "servfail":
            dns_conf.append(f"server=/{d}/#")
        elif isinstance(s["dns"], dict):  # CNAME chains into CDNs, each ending at an edge outside the ranges
            for chain in s["dns"]["cdn"]:
                dns_conf += [f"cname={a},{b}" for a, b in zip(chain, chain[1:])]
                hosts_lines.append(f"{OUTSIDE} {chain[-1]}")
        elif s["dns"] == "long-cnames":
            # A chain of long CNAMEs: the answer is too large for UDP, so the resolver must retry over TCP.
            chain = [d] + [".".join([f"{c}" * 63] * 3) + ".test" for c in "xyzw"]
            dns_conf += [f"cname={a},{b}" for a, b in zip(chain, chain[1:])]
            hosts_lines.append(f"{WEB} {chain[-1]}")
        elif s["dns"]:
            hosts_lines.append(f"{s['dns']} {d}")
            if s["www"] is True:
                hosts_lines.append(f"{s['dns']} www.{d}")
            elif s["www"] == "cname":
                dns_conf.append(f"cname=www.{d},{d}")
                hosts = [d, f"www.{d}"]
        if s["page"] is not None:
            write(os.path.join(www, d, "index.html"), s["page"])
        for path, html in s["files"].items():
            write(os.path.join(www, d, path), html)
        if "mobile_redirect" in s["serve"] or s["serve"].get("m_site"):
            hosts_lines.append(f"{s['dns']} m.{d}")  # served where the site is
        servers.append(server_block(d, s, farm))
        if not s["listed"]:
            continue
        r = s["row"]
        inventory.append(",".join([r.get("domain", d), s["icp"], r.get("service_name", ""), r.get("ips", ""), r.get("psb", ""),
                                   ";".join(hosts) if (s["www"] or r.get("hosts")) else d]))
        views = hosts + [f"{h}@mobile" for h in s["mobile"]]
        expected.append(dict(set="scenario", domain=d, verdict=s["verdict"], hosts=views,
                             findings={h: sorted(s["expect"].get(h, [])) for h in views}))
    hosts_lines += [f"{WEB} elsewhere.test", f"{TATTLE} tattle.test", f"{METADATA} metadata.test", f"{INTRANET} intranet.test"]
    dns_conf += [f"address=/shared.test/{SHARED}", f"address=/quick.test/{QUICK}"]
    bomb = os.path.join(farm, "bomb", "bomb.gz")
    if not os.path.exists(bomb):  # 1 GB of zeros, 1 MB on the wire
        os.makedirs(os.path.dirname(bomb), exist_ok=True)
        with gzip.open(bomb, "wb", compresslevel=9) as f:
            zeros = b"\0" * (1 << 20)
            for _ in range(1024):
                f.write(zeros)
    write(os.path.join(farm, "hostile-page.html"), page("示例科技", footer("京ICP备10000049号-1")))
    write(os.path.join(www, "elsewhere.test", "index.html"), page("别处", footer("京ICP备88888888号-1")))

    bulk_inventory = ["domain,icp,service_name"]
    if wild:
        with open(os.path.join(farm, "bulk-hosts"), "w") as f:
            servers.append(wild_bulk(farm, wild, f, bulk_inventory, expected))
    elif args.bulk:
        for kind in {k for k, _, _ in BULK_KINDS}:
            for size, paragraphs in BULK_SIZES.items():
                write(os.path.join(farm, "bulk", f"{kind}-{size}.html"), bulk_page(kind, paragraphs))
                write(os.path.join(farm, "bulk", f"shell-{kind}-{size}.html"), bulk_shell(kind))
        kind_map = []
        with open(os.path.join(farm, "bulk-hosts"), "w") as f:
            for i in range(1, args.bulk + 1):
                d = f"b{i:05d}.test"
                f.write(f"{BULK_IPS[i % len(BULK_IPS)]} {d} www.{d} m.{d}\n")
                kind, codes, verdict = BULK_KINDS[i % len(BULK_KINDS)]
                if kind != "ok":
                    kind_map.append(f"    {d} {kind};\n    www.{d} {kind};")
                bulk_inventory.append(f"{d},京ICP备2{i:05d}号-1,批量站点")
                expected.append(dict(set="bulk", domain=d, verdict=verdict, hosts=[d, f"www.{d}"],
                                     findings={h: sorted(codes) for h in (d, f"www.{d}")}))
        servers.append(bulk_block(farm, kind_map, args.delay_ms, spread_delays(args.delay_spread, args.bulk), args.bulk_mobile, args.bulk_shells))
    write(os.path.join(farm, "bulk-inventory.csv"), "\n".join(bulk_inventory) + "\n")

    write(os.path.join(farm, "hosts"), "\n".join(hosts_lines) + "\n")
    write(os.path.join(farm, "dnsmasq.conf"), dnsmasq_conf(farm, dns_conf, bool(args.bulk)))
    write(os.path.join(farm, "nginx.conf"), nginx_conf(farm, servers))
    write(os.path.join(farm, "inventory.csv"), "\n".join(inventory) + "\n")
    with open(os.path.join(farm, "expected.jsonl"), "w", encoding="utf-8") as f:
        for e in expected:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")


def dnsmasq_conf(farm, extra, bulk):
    lines = [
        f"port={DNS_PORT}", "listen-address=127.0.0.1", "bind-interfaces", "no-resolv", "no-hosts", "no-poll",
        # dnsmasq would drop to 'nobody', who may not reach a farm under a private (0700) directory.
        f"user={pwd.getpwuid(os.geteuid()).pw_name}",
        "local=/test/",  # answer .test from local data only: unknown names are NXDOMAIN
        f"local=/{HOME}/",
        f"addn-hosts={farm}/hosts", "cache-size=10000", "dns-forward-max=1000",
    ]
    if bulk:
        lines.append(f"addn-hosts={farm}/bulk-hosts")
    return "\n".join(lines + extra) + "\n"


def server_block(d, s, farm):
    names = f"{d} www.{d}"
    serve = s["serve"]
    root = f"{farm}/www/{d}"
    if "redirect" in serve:
        body = f"return 301 {serve['redirect']};"
    elif "status" in serve:
        body = f"return {serve['status']};"
    elif serve.get("loop"):
        body = "location = / { return 302 /a; } location = /a { return 302 /b; } location = /b { return 302 /a; }"
    elif serve.get("bomb"):
        body = (f'root {farm}/bomb; gzip off; location = / {{ default_type text/html; '
                'add_header Content-Encoding gzip; try_files /bomb.gz =404; }')
    elif serve.get("chain"):
        body = "location = / { return 302 /r1; } location ~ ^/r(\\d+)$ { return 302 /r$1x; } location ~ x$ { return 302 $uri-x; }"
    elif serve.get("slow"):
        body = f"root {root}; limit_rate 64; gzip off;"
    elif serve.get("late_seconds"):
        body = f'root {root}; location = / {{ echo_sleep {serve["late_seconds"]}; echo_exec /index.html; }}'
    elif "mobile_redirect" in serve:
        body = f'root {root}; if ($http_user_agent ~* "iPhone|Android|Mobile") {{ rewrite ^/$ {serve["mobile_redirect"]} redirect; }}'
    elif serve.get("spider"):
        body = f'root {root}; if ($http_user_agent ~* "Baiduspider") {{ rewrite ^/$ /spider.html last; }}'
    elif serve.get("vary"):
        body = (f'root {root}; add_header Vary User-Agent always; '
                'if ($http_user_agent ~* "iPhone|Android|Mobile") { rewrite ^/$ /mobile.html last; }')
    else:
        body = f"root {root};"
    listen_http = [f"listen {ip}:{HTTP_PORT};" for ip in (WEB, OUTSIDE, HTTP_ONLY, OTHER_NAME)]
    listen_https = [f"listen {ip}:{HTTPS_PORT} ssl;" for ip in (WEB, OUTSIDE, HTTPS_ONLY)]
    cert = f"ssl_certificate {farm}/ca/{'bad' if serve.get('bad_cert') else 'server'}.crt; " \
           f"ssl_certificate_key {farm}/ca/{'bad' if serve.get('bad_cert') else 'server'}.key;"
    http_body = "return 301 https://$host/;" if serve.get("https_redirect") else body
    mobile_site = f"server {{ {' '.join(listen_http)} server_name m.{d}; root {root}/m; }}\n" if "mobile_redirect" in serve or serve.get("m_site") else ""
    return (f"server {{ {' '.join(listen_http)} server_name {names}; {http_body} }}\n"
            f"server {{ {' '.join(listen_https)} server_name {names}; {cert} {body} }}\n" + mobile_site)


def spread_delays(spread, sites):
    """Per-site delays in seconds, log-uniform over MIN-MAX ms, the same on every run (seeded)."""
    if not spread:
        return None
    low, high = (float(x) for x in spread.split("-"))
    rng = random.Random(4)
    return {i: math.exp(rng.uniform(math.log(low), math.log(high))) / 1000 for i in range(1, sites + 1)}


def below(pct):
    """A regex alternation of the two-digit endings 00 to pct-1."""
    tens, units = divmod(min(pct, 100), 10)
    parts = [f"[0-{tens - 1}]\\d"] if tens else []
    if units and tens < 10:
        parts.append(f"{tens}[0-{units - 1}]")
    return "|".join(parts)


def bulk_block(farm, kind_map, delay_ms, delays=None, mobile_pct=0, shells_pct=0):
    # The delay holds each home page back server-side (echo module), then serves it: one for
    # every site, or each site its own (`delays`, by site number). Page size follows the site
    # number's last digit.
    page = "/$bulk_shell$bulk_kind-$bulk_size.html"
    if delays:
        home = f"echo_sleep $bulk_delay; echo_exec {page};"
    else:
        home = f"echo_sleep {delay_ms / 1000:.3f}; echo_exec {page};" if delay_ms else f"rewrite ^ {page} last;"
    delay_map = ("map $num $bulk_delay {\n    default 0;\n" + "\n".join(f"    {i:05d} {d:.3f};" for i, d in delays.items()) + "\n}\n") if delays else ""
    # A site whose number's tens digit is below PCT/10 sends phones to its m. site (PCT % of them).
    tens = "".join(str(t) for t in range(mobile_pct // 10))
    mobile_map = (f"map $num $bulk_mobile {{ default 0; ~[{tens}]\\d$ 1; }}\n" if tens else "map $num $bulk_mobile { default 0; }\n") + \
        'map $http_user_agent $bulk_phone { default 0; ~*(iPhone|Android|Mobile) 1; }\n'
    # A site whose number's last two digits are below PCT serves a script shell (PCT % of them).
    shell_map = (f'map $num $bulk_shell {{ default ""; ~({below(shells_pct)})$ shell-; }}\n' if shells_pct > 0
                 else 'map $num $bulk_shell { default ""; }\n')
    phone = '  set $bulk_to_m "$bulk_mobile$bulk_phone$bulk_www"; if ($bulk_to_m = 110) { return 302 http://m.b$num.test/; }\n'

    return (
        delay_map + mobile_map + shell_map +
        "map $host $bulk_kind {\n    hostnames;\n    default ok;\n" + "\n".join(kind_map) + "\n}\n"
        "map $num $bulk_size { ~[0-3]$ s; ~[4-6]$ m; default l; }\n"
        f"server {{ {' '.join(f'listen {ip}:{HTTP_PORT};' for ip in [WEB] + BULK_IPS)} server_name ~^(?<bulk_sub>www\\.|m\\.)?b(?<num>\\d+)\\.test$; root {farm}/bulk; ssi on;\n"
        '  set $bulk_www 0; if ($bulk_sub) { set $bulk_www 1; }\n' + phone +
        f"  location = / {{ {home} }}\n"
        "  location / { }\n}\n"
    )


# --wild: bulk sites that vary as a provider's real sites do, each by its site number (the same on
# every run): home pages of 5 to 500 KB; gzip, deflate (pre-compressed files, zlib-wrapped or raw)
# and identity; chunked (SSI) and Content-Length (a file per site); plain http, http -> 301 https,
# and https only (on WILD_HTTPS_ONLY_IPS, where nothing listens for http); a slow drip; a few sites
# that answer after WILD_LATE_S (TIMEOUT at --timeout 5); HTTP 301/302, meta-refresh and script
# redirects to /home/ on the same site; GBK pages (declared in a meta, in an http-equiv as gb2312,
# in the HTTP header only, or not at all); script shells drawn by an inline script; phones sent to
# an m. site. The expectations below hold for any --timeout from 3 to 7 s.
WILD_HTTPS_ONLY_IPS = [f"127.0.0.{i}" for i in range(128, 136)]
WILD_LATE_S = 8
WILD_SIZES = [(5, 15), (10, 15), (20, 15), (40, 15), (80, 15), (150, 12), (300, 8), (500, 5)]  # KB, weight
WILD_CL_MAX_KB = 100      # uncompressed Content-Length pages are a file per site: at most this size
WILD_GBK_MAX_KB = 150     # GBK pages (older sites) at most this size
WILD_DRIP_SIZES = [5, 7]
WILD_DRIP_RATE = "4k"     # 4 KB at once, the rest a second later (nginx allows a first second's worth)
ICP_SSI = '<!--# echo var="num" -->'


def pick(r, weighted):
    total = sum(w for _, w in weighted)
    x = r.random() * total
    for value, w in weighted:
        x -= w
        if x < 0:
            return value
    return weighted[-1][0]


def wild_site(i):
    """What wild bulk site i serves. Every draw is made on every site, in the same order, so one
    property never shifts another's."""
    r = random.Random(i)
    kind, codes, verdict = BULK_KINDS[i % len(BULK_KINDS)]
    shell = r.random() < 0.015
    tls = pick(r, [("plain", 85), ("redirect", 10), ("only", 5)])
    hop = pick(r, [("", 82), ("302", 5), ("301", 3), ("meta", 5), ("js", 3), ("302sp", 1), ("metasp", 1)])
    charset = pick(r, [("utf-8", 82), ("gbk", 6), ("gb2312", 4), ("gbk-header", 3), ("gbk-none", 5)])
    delivery = pick(r, [("gz", 38), ("id", 20), ("cl", 10), ("clgz", 12), ("clzz", 15), ("drip", 5)])
    kb = pick(r, WILD_SIZES)
    mobile = r.random() < 0.05
    drip_kb = r.choice(WILD_DRIP_SIZES)
    raw_deflate = r.random() < 0.5
    late = i % 250 == 7
    if shell:
        charset = "utf-8"
    if delivery == "drip":
        kb = drip_kb
    elif delivery == "cl":
        kb = min(kb, WILD_CL_MAX_KB)
    if charset != "utf-8":
        kb = min(kb, WILD_GBK_MAX_KB)
    if late:
        shell, tls, hop, delivery, mobile = False, "plain", "", "gz", False
    if tls != "plain" or hop or shell:
        mobile = False
    return dict(i=i, domain=f"b{i:05d}.test", kind=kind, codes=codes, verdict=verdict, shell=shell, tls=tls, hop=hop,
                charset=charset, delivery=delivery, kb=kb, mobile=mobile, raw_deflate=raw_deflate, late=late)


def wild_describe(w):
    parts = ["shell" if w["shell"] else f"{w['kb']}KB", w["kind"], w["delivery"], w["charset"], w["tls"]]
    parts += [f"hop={w['hop']}"] if w["hop"] else []
    parts += ["mobile"] if w["mobile"] else []
    parts += [f"late {WILD_LATE_S}s"] if w["late"] else []
    return " ".join(parts)


def wild_page(kind, kb, charset):
    """The page of `kind`, about `kb` KB, in `charset` (bytes; the number is the SSI directive)."""
    html = bulk_page(kind, max(1, kb * 1024 // 118))
    if charset == "utf-8":
        return html.encode()
    html = html.replace("©", "版权")
    meta = {"gbk": '<meta charset="gbk">',
            "gb2312": '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'}.get(charset, "")
    return html.replace('<meta charset="utf-8">', meta).encode("gbk")


WILD_HOPS = {
    "meta": '<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=/home/">'
            '<title>批量站点</title></head><body></body></html>\n',
    "js": '<!DOCTYPE html><html><head><meta charset="utf-8"><title>批量站点</title>'
          '<script>window.location.href = "/home/";</script></head><body></body></html>\n',
    # A target with a space in its path, as old IIS sites write it: a browser sends /home%20page/.
    "metasp": '<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=/home page/">'
              '<title>批量站点</title></head><body></body></html>\n',
}


def wild_bulk(farm, sites, hosts_file, bulk_inventory, expected):
    """Writes the wild bulk sites' pages, hosts and expectations; returns their nginx server block."""
    root = os.path.join(farm, "bulk", "wild")
    shutil.rmtree(root, ignore_errors=True)  # no page of an earlier farm stays behind
    for name, html in WILD_HOPS.items():
        write(os.path.join(root, f"{name}.html"), html)
    shared, routes, tls_redirect, hops, mobile = set(), [], [], [], []
    for w in sites:
        i, d = w["i"], w["domain"]
        ips = WILD_HTTPS_ONLY_IPS if w["tls"] == "only" else BULK_IPS
        hosts_file.write(f"{ips[i % len(ips)]} {d} www.{d} m.{d}\n")
        # A page declared GBK in the header only is the undeclared page (nginx adds the header).
        charset = w["charset"].replace("-header", "-none")
        cs = "" if charset == "utf-8" else "-" + charset
        name = f"shell-{w['kind']}.html" if w["shell"] else f"{w['kind']}-{w['kb']}{cs}.html"
        content = lambda: bulk_shell(w["kind"]).encode() if w["shell"] else wild_page(w["kind"], w["kb"], charset)
        if w["delivery"] in ("gz", "id", "drip"):  # shared by the sites of its kind, the number from SSI
            if name not in shared:
                shared.add(name)
                write(os.path.join(root, name), content())
            route = f"/_w/{w['delivery']}/{name}"
        else:  # a file of its own, the number written in
            data = content().replace(ICP_SSI.encode(), f"{i:05d}".encode())
            ext = {"cl": "html", "clgz": "html.gz", "clzz": "html.zz"}[w["delivery"]]
            if w["delivery"] == "clgz":
                data = gzip.compress(data, 6, mtime=0)
            elif w["delivery"] == "clzz":
                z = zlib.compressobj(6, zlib.DEFLATED, -15 if w["raw_deflate"] else 15)
                data = z.compress(data) + z.flush()
            write(os.path.join(root, "sites", f"b{i:05d}.{ext}"), data)
            route = f"/_w/{w['delivery']}/b{i:05d}.{ext}"
        if w["late"]:
            route = "/_w/late" + route
        routes.append(f"    {i:05d} {route};")
        if w["tls"] == "redirect":
            tls_redirect.append(f"    {i:05d} 1;")
        if w["hop"]:
            hops.append(f"    {i:05d} {w['hop']};")
        if w["mobile"]:
            mobile.append(f"    {i:05d} 1;")
        bulk_inventory.append(f"{d},京ICP备2{i:05d}号-1,批量站点")
        hosts = [d, f"www.{d}"] + ([f"{d}@mobile"] if w["mobile"] else [])
        codes, verdict = (["TIMEOUT"], "unreachable") if w["late"] else (w["codes"], w["verdict"])
        expected.append(dict(set="bulk", domain=d, verdict=verdict, hosts=hosts, findings={h: sorted(codes) for h in hosts},
                             wild=wild_describe(w)))
    gbk_header = [f"    {w['i']:05d} gbk;" for w in sites if w["charset"] == "gbk-header"]
    amap = lambda var, default, rows: f"map $num ${var} {{\n    default {default};\n" + "".join(r + "\n" for r in rows) + "}\n"
    listen = [f"listen {ip}:{HTTP_PORT};" for ip in [WEB] + BULK_IPS] + \
             [f"listen {ip}:{HTTPS_PORT} ssl;" for ip in BULK_IPS + WILD_HTTPS_ONLY_IPS]
    w = f"{farm}/bulk/wild"
    return (
        amap("w_route", '""', routes) + amap("w_tls", "0", tls_redirect) + amap("w_hop", '""', hops) +
        amap("w_mobile", "0", mobile) + amap("w_charset", '""', gbk_header) +
        'map $http_user_agent $bulk_phone { default 0; ~*(iPhone|Android|Mobile) 1; }\n'
        f"server {{ {' '.join(listen)} server_name ~^(?<bulk_sub>www\\.|m\\.)?b(?<num>\\d+)\\.test$; root {w}; ssi on;\n"
        f"  ssl_certificate {farm}/ca/server.crt; ssl_certificate_key {farm}/ca/server.key; charset $w_charset;\n"
        '  set $w_up "$w_tls$scheme"; if ($w_up = 1http) { return 301 https://$host$request_uri; }\n'
        '  set $bulk_www 0; if ($bulk_sub) { set $bulk_www 1; }\n'
        '  set $bulk_to_m "$w_mobile$bulk_phone$bulk_www"; if ($bulk_to_m = 110) { return 302 http://m.b$num.test/; }\n'
        "  location = / {\n"
        "    if ($w_hop = 302) { return 302 /home/; }\n"
        "    if ($w_hop = 301) { return 301 /home/; }\n"
        "    if ($w_hop = meta) { rewrite ^ /meta.html break; }\n"
        "    if ($w_hop = js) { rewrite ^ /js.html break; }\n"
        '    if ($w_hop = 302sp) { return 302 "/home page/"; }\n'
        "    if ($w_hop = metasp) { rewrite ^ /metasp.html break; }\n"
        "    rewrite ^ $w_route last;\n  }\n"
        "  location = /home/ { rewrite ^ $w_route last; }\n"
        '  location = "/home page/" { rewrite ^ $w_route last; }\n'
        f"  location ^~ /_w/gz/ {{ internal; alias {w}/; }}\n"
        f"  location ^~ /_w/id/ {{ internal; alias {w}/; gzip off; }}\n"
        f"  location ^~ /_w/drip/ {{ internal; alias {w}/; gzip off; limit_rate {WILD_DRIP_RATE}; }}\n"
        f"  location ^~ /_w/cl/ {{ internal; alias {w}/sites/; ssi off; gzip off; }}\n"
        f"  location ^~ /_w/clgz/ {{ internal; alias {w}/sites/; ssi off; gzip off; add_header Content-Encoding gzip; }}\n"
        f"  location ^~ /_w/clzz/ {{ internal; alias {w}/sites/; ssi off; gzip off; add_header Content-Encoding deflate; }}\n"
        f"  location ~ ^/_w/late(?<w_after>/.+)$ {{ internal; echo_sleep {WILD_LATE_S}; echo_exec $w_after; }}\n"
        "  location / { return 404; }\n}\n"
    )


def nginx_conf(farm, servers):
    user = "user root root;" if os.geteuid() == 0 else ""
    return f"""{user}
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
worker_processes 1;
pid {farm}/nginx.pid;
error_log {farm}/nginx-error.log warn;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {farm}/tmp; proxy_temp_path {farm}/tmp; fastcgi_temp_path {farm}/tmp;
  uwsgi_temp_path {farm}/tmp; scgi_temp_path {farm}/tmp;
  default_type text/html;
  gzip on; gzip_min_length 0; 
  keepalive_requests 100000; port_in_redirect off;
  server_names_hash_bucket_size 128; server_names_hash_max_size 65536;
  map_hash_bucket_size 128; map_hash_max_size 262144;
  ssl_protocols TLSv1.2 TLSv1.3;
{"".join("  " + s for s in servers)}
}}
"""


if __name__ == "__main__":
    main()
