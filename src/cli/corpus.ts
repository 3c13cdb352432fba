// A deterministic corpus of web-page logs (fixed seed), shared by the demo and the benchmarks
// so that both speak of the same data: URLs, user agents, messages, numbers, some non-ASCII.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PAGES = ['/', '/search', '/item/{id}', '/cart', '/checkout', '/account/orders', '/help/faq', '/zh-cn/活动/双11']
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 19_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/19.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 16; Pixel 10) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 15_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/19.1 Safari/605.1.15',
]
const TARGETS = ['buy-now', 'add-to-cart', 'search-submit', 'nav-home', 'coupon-apply', '领取优惠券', 'checkout-pay']
const MESSAGES = ['ok', 'slow network', 'image failed to load', '支付成功', 'timeout after 3000 ms', 'user cancelled 🙅']

/** `count` logs with a fixed seed; `topic` alternates between `page_view` (60%) and `click`. */
export function webLogs(count: number, seed = 42): { topic: 'page_view' | 'click'; log: Record<string, string | number | boolean> }[] {
  const rnd = mulberry32(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!
  const out: { topic: 'page_view' | 'click'; log: Record<string, string | number | boolean> }[] = []
  for (let i = 0; i < count; i++) {
    const page = pick(PAGES).replace('{id}', String(Math.floor(rnd() * 100_000)))
    const common = {
      session: (Math.floor(rnd() * 0xffffffff) >>> 0).toString(16).padStart(8, '0'),
      url: `https://shop.example.com${page}?utm_source=${pick(['google', 'wechat', 'weibo', 'direct'])}`,
      ua: pick(AGENTS),
      lang: pick(['zh-CN', 'en-US', 'ja-JP']),
      screen: pick(['1920x1080', '390x844', '1440x900', '412x915']),
    }
    if (rnd() < 0.6) {
      out.push({
        topic: 'page_view',
        log: { ...common, event: 'page_view', load_ms: Math.floor(rnd() * 4000), ttfb_ms: Math.floor(rnd() * 800), msg: pick(MESSAGES) },
      })
    } else {
      out.push({
        topic: 'click',
        log: {
          ...common,
          event: 'click',
          target: pick(TARGETS),
          x: Math.floor(rnd() * 1920),
          y: Math.floor(rnd() * 1080),
          first: rnd() < 0.2,
        },
      })
    }
  }
  return out
}
