/// The scripts run inside the rendered page.
enum VisibleDOM {
    /// Runs in every frame before the page's own scripts (`Page.addScriptToEvaluateOnNewDocument`):
    /// no service workers, no WebRTC, no pop-ups, no modal dialogs that would stall the page.
    static let lockdown = """
    (() => {
      const off = (o, name, value) => { try { Object.defineProperty(o, name, {value, configurable: false, writable: false}); } catch (e) {} };
      try { Object.defineProperty(Navigator.prototype, 'serviceWorker', {get: () => undefined, configurable: false}); } catch (e) {}
      for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel', 'RTCSessionDescription']) off(window, name, undefined);
      off(window, 'open', () => null);
      off(window, 'alert', () => {});
      off(window, 'confirm', () => false);
      off(window, 'prompt', () => null);
      off(window, 'print', () => {});
    })();
    """

    /// Walks the DOM as drawn (open shadow roots, slots, same-origin frames) and returns a
    /// reduced HTML of what a person sees, what is there but hidden (and how), and where the
    /// filing-number-like blocks sit. The result is one JSON-compatible object.
    static let snapshot = """
    (() => {
      const LIMIT_CHARS = 4000000, LIMIT_NOTES = 500, NOTE_CHARS = 300;
      const footerName = /foot|bottom|copyright/i;
      const numberish = /ICP|备案|公网安备|公安|[BＢ][12]\\s*[-－]/i;
      const skipped = new Set(['script', 'style', 'template', 'noscript', 'head', 'title', 'meta', 'link', 'base']);
      const de = document.documentElement;
      const pageWidth = innerWidth;
      const pageHeight = Math.max(de ? de.scrollHeight : 0, document.body ? document.body.scrollHeight : 0, innerHeight);
      let chars = 0, truncated = false, frames = 0, crossOriginFrames = 0;
      const hidden = [];
      const esc = s => s.replace(/[&<>]/g, c => c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;');
      const attr = s => esc(s).replace(/"/g, '&quot;');
      const meet = (a, b) => {
        const l = Math.max(a.left, b.left), t = Math.max(a.top, b.top), r = Math.min(a.right, b.right), bt = Math.min(a.bottom, b.bottom);
        return r - l >= 1 && bt - t >= 1 ? {left: l, top: t, right: r, bottom: bt} : null;
      };
      // Hidden text, with the link it sits in and what hid it (a menu or pop-up the page opens is told by its names).
      const note = (text, how, footer, ctx) => {
        text = text.replace(/\\s+/g, ' ').trim();
        if (text && hidden.length < LIMIT_NOTES) {
          hidden.push({text: text.slice(0, NOTE_CHARS), how, footer, link: ctx.link || undefined, opener: ctx.opener || undefined, inList: !!ctx.inList});
        }
      };
      const linkOf = (el, ctx) => (el.localName === 'a' && el.hasAttribute('href')) ? el.href : ctx.link;
      const composed = node => {
        if (node.shadowRoot) return node.shadowRoot.childNodes;
        if (node.localName === 'slot' && node.assignedNodes) { const a = node.assignedNodes({flatten: true}); if (a.length) return a; }
        return node.childNodes;
      };
      const zeroClip = cs => {
        const m = /rect\\(\\s*(-?[\\d.]+)px,?\\s*(-?[\\d.]+)px,?\\s*(-?[\\d.]+)px,?\\s*(-?[\\d.]+)px\\s*\\)/.exec(cs.clip || '');
        if (m && cs.position !== 'static' && (+m[2] - +m[4] < 1 || +m[3] - +m[1] < 1)) return true;
        return /inset\\(\\s*50%|circle\\(\\s*0(px)?\\s*(at|\\))/.test(cs.clipPath || '');
      };

      // Pass 1: a tree of what is drawn, text with its box in page coordinates.
      function text(node, ctx, out) {
        const data = node.data;
        if (!data || !/\\S/.test(data)) return;
        if (ctx.hidden) { note(data, ctx.hidden, ctx.footer, ctx); return; }
        if (ctx.visibility !== 'visible') { note(data, 'visibility:' + ctx.visibility, ctx.footer, ctx); return; }
        if (ctx.fontSize < 1) { note(data, 'font-size:0', ctx.footer, ctx); return; }
        if (ctx.transparent) { note(data, 'transparent text', ctx.footer, ctx); return; }
        const range = ctx.doc.createRange();
        range.selectNodeContents(node);
        let box = null, sized = false, onPage = false;
        for (const r of range.getClientRects()) {
          if (r.width < 1 || r.height < 1) continue;
          sized = true;
          const placed = {left: r.left + ctx.dx, top: r.top + ctx.dy, right: r.right + ctx.dx, bottom: r.bottom + ctx.dy};
          if (meet(placed, ctx.page)) onPage = true;
          const seen = meet(placed, ctx.clip);
          if (!seen) continue;
          box = box ? {left: Math.min(box.left, seen.left), top: Math.min(box.top, seen.top),
                       right: Math.max(box.right, seen.right), bottom: Math.max(box.bottom, seen.bottom)} : seen;
        }
        if (!box) { note(data, !sized ? 'zero size' : !onPage ? 'outside the page' : 'clipped', ctx.footer, ctx); return; }
        if (truncated) return;
        chars += data.length;
        if (chars > LIMIT_CHARS) { truncated = true; return; }
        out.push({text: data, box});
      }

      function element(el, ctx, out) {
        const tag = el.localName;
        if (skipped.has(tag)) return;
        const named = tag.includes('footer') || footerName.test(el.id || '') || footerName.test(el.getAttribute('class') || '');
        const footer = ctx.footer || named;
        if (ctx.hidden) { for (const c of composed(el)) walk(c, {...ctx, footer, link: linkOf(el, ctx)}, out); return; }
        const cs = ctx.win.getComputedStyle(el);
        let how = null;
        if (cs.display === 'none') how = el.hidden ? 'hidden attribute' : 'display:none';
        else if (parseFloat(cs.opacity) === 0) how = 'opacity:0';
        else if (cs.contentVisibility === 'hidden') how = 'content-visibility:hidden';
        else if (zeroClip(cs)) how = 'clipped to nothing';
        const node = {tag, footer: named, block: !/^(inline|contents)/.test(cs.display) || tag === 'br', kids: []};
        if (tag === 'a' && el.hasAttribute('href')) node.href = el.href;
        out.push(node);
        const inner = {...ctx, footer, hidden: how, visibility: cs.visibility, fontSize: parseFloat(cs.fontSize),
                       transparent: /^rgba\\(.*,\\s*0\\)$/.test(cs.color), link: linkOf(el, ctx)};
        if (how || (cs.visibility !== 'visible' && ctx.visibility === 'visible')) {
          inner.opener = ((el.id || '') + ' ' + (el.getAttribute('class') || '')).toLowerCase();
          inner.inList = !!(el.parentElement && el.parentElement.localName === 'li');
        }
        if (!how && (cs.overflowX === 'hidden' || cs.overflowX === 'clip' || cs.overflowY === 'hidden' || cs.overflowY === 'clip')) {
          const r = el.getBoundingClientRect();
          const own = {left: r.left + ctx.dx, top: r.top + ctx.dy, right: r.right + ctx.dx, bottom: r.bottom + ctx.dy};
          if (cs.overflowX !== 'hidden' && cs.overflowX !== 'clip') { own.left = -Infinity; own.right = Infinity; }
          if (cs.overflowY !== 'hidden' && cs.overflowY !== 'clip') { own.top = -Infinity; own.bottom = Infinity; }
          inner.clip = meet(own, ctx.clip) || {left: 0, top: 0, right: 0, bottom: 0};
        }
        if ((tag === 'iframe' || tag === 'frame') && !how) {
          let doc = null;
          try { doc = el.contentDocument; } catch (e) {}
          const root = doc && (doc.body || doc.documentElement);
          if (!root) { crossOriginFrames += doc ? 0 : 1; return; }
          frames += 1;
          const r = el.getBoundingClientRect();
          const left = r.left + ctx.dx + el.clientLeft, top = r.top + ctx.dy + el.clientTop;
          const view = {left, top, right: left + el.clientWidth, bottom: top + el.clientHeight};
          walk(root, {...inner, win: el.contentWindow, doc, dx: left, dy: top, clip: meet(view, inner.clip) || {left: 0, top: 0, right: 0, bottom: 0}}, node.kids);
          return;
        }
        for (const c of composed(el)) walk(c, inner, node.kids);
      }

      function walk(node, ctx, out) {
        if (node.nodeType === 3) text(node, ctx, out);
        else if (node.nodeType === 1) element(node, ctx, out);
      }

      const page = {left: 0, top: 0, right: pageWidth, bottom: pageHeight};
      const tree = [];
      if (document.body) {
        walk(document.body, {win: window, doc: document, dx: scrollX, dy: scrollY, page, clip: page, hidden: null,
                             visibility: 'visible', fontSize: 16, transparent: false, footer: false}, tree);
      }

      // Pass 2: extents, then the reduced HTML with the bottom of the page marked as footer.
      let contentTop = Infinity, contentBottom = -Infinity;
      const extent = n => {
        if (n.box) Object.assign(n, n.box);
        else {
          n.left = n.top = Infinity; n.right = n.bottom = -Infinity;
          for (const k of n.kids) {
            extent(k);
            n.left = Math.min(n.left, k.left); n.top = Math.min(n.top, k.top);
            n.right = Math.max(n.right, k.right); n.bottom = Math.max(n.bottom, k.bottom);
          }
        }
        if (n.box) { contentTop = Math.min(contentTop, n.top); contentBottom = Math.max(contentBottom, n.bottom); }
      };
      tree.forEach(extent);
      const bottomStart = contentBottom - Math.min(0.25 * (contentBottom - contentTop), 600);
      const placements = [];
      const textOf = n => n.box ? n.text : n.kids.map(textOf).join('');
      const hasBlock = n => !n.box && n.kids.some(k => !k.box && ((k.block && k.top <= k.bottom) || hasBlock(k)));
      const html = (n, inFooter) => {
        if (n.box) return esc(n.text);
        if (n.tag === 'br') return '<br>';
        if (!(n.top <= n.bottom)) return '';
        const footer = !inFooter && (n.footer || (n.block && n.top >= bottomStart));
        const inside = inFooter || footer;
        let s = n.kids.map(k => html(k, inside)).join('');
        if (n.block && !hasBlock(n)) {
          const t = textOf(n).replace(/\\s+/g, ' ').trim();
          if (numberish.test(t) && placements.length < LIMIT_NOTES) {
            placements.push({text: t.slice(0, NOTE_CHARS), left: n.left, right: n.right, top: n.top, bottom: n.bottom, footer: inside});
          }
        }
        if (n.href !== undefined) s = '<a href="' + attr(n.href) + '">' + s + '</a>';
        if (n.block) s = '<div>' + s + '</div>';
        if (footer) s = '<footer>' + s + '</footer>';
        return s;
      };
      const body = tree.map(n => html(n, false)).join('');
      // The meta description and keywords: read for risk words like the served page's.
      const metas = Array.from(document.querySelectorAll('meta[name]')).filter(m => /^(description|keywords)$/i.test(m.name)).slice(0, 4)
        .map(m => '<meta name="' + attr(m.name.toLowerCase()) + '" content="' + attr((m.content || '').slice(0, 1024)) + '">').join('');
      return {
        url: location.href, title: document.title, charset: document.characterSet,
        html: '<!DOCTYPE html><html><head><meta charset="utf-8"><title>' + esc(document.title) + '</title>' + metas + '</head><body>' + body + '</body></html>',
        hidden, placements, frames, crossOriginFrames, truncated, pageWidth, pageHeight,
        scripts: document.scripts.length,
      };
    })()
    """
}
