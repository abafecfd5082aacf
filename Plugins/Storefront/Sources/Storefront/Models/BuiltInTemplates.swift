/// The built-in page templates (mustache). A theme folder replaces any of them by file
/// name (`product.mustache` replaces `product`). Every value is HTML-escaped (`{{ }}`);
/// only `content` (a rendered template) and `json_ld` (made safe by `scriptJSON`) are
/// placed raw.
enum BuiltInTemplates {
    static let all: [String: String] = [
        "layout": layout, "styles": styles, "card": card, "home": home, "category": category, "search": search,
        "filters": filters, "product": product, "cart": cart, "checkout": checkout, "account": account,
        "signin": signin, "signup": signup, "wishlist": wishlist, "compare": compare, "notice": notice,
        "sitemap": sitemap, "robots": robots, "account-script": accountScript,
        "checkout-complete": checkoutComplete, "stripe-script": stripeScript,
    ]

    static let layout = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}}</title>
    <meta name="description" content="{{description}}">
    <link rel="canonical" href="{{canonical}}">
    {{#noindex}}<meta name="robots" content="noindex">{{/noindex}}
    <meta property="og:site_name" content="{{shop_name}}">
    <meta property="og:title" content="{{title}}">
    <meta property="og:description" content="{{description}}">
    <meta property="og:type" content="{{og_type}}">
    <meta property="og:url" content="{{canonical}}">
    {{#og_image}}<meta property="og:image" content="{{og_image}}">{{/og_image}}
    <meta name="twitter:card" content="summary_large_image">
    {{#json_ld}}<script type="application/ld+json">{{{json_ld}}}</script>{{/json_ld}}
    <style>{{> styles}}</style>
    </head>
    <body>
    <header class="top">
      <a class="brand" href="/">{{shop_name}}</a>
      <form class="search" action="/search" method="get"><input type="search" name="q" placeholder="Search products" aria-label="Search"><button>Search</button></form>
      <nav>
        <a href="/wishlist">Wishlist ({{wishlist_count}})</a>
        <a href="/compare">Compare ({{compare_count}})</a>
        <a href="/cart">Cart</a>
        {{#signed_in}}<a href="/account">Account</a>{{/signed_in}}{{^signed_in}}<a href="/account/signin">Sign in</a>{{/signed_in}}
      </nav>
    </header>
    <main>
    {{#list_notices}}<p class="notice">{{text}}</p>{{/list_notices}}
    {{{content}}}
    </main>
    <footer><a href="/sitemap.xml">Sitemap</a> · {{shop_name}}</footer>
    </body>
    </html>
    """#

    static let styles = #"""
    body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
    .top{display:flex;gap:1rem;align-items:center;padding:.8rem 1.5rem;background:#1d2a3a;color:#fff;flex-wrap:wrap}
    .top a{color:#fff;text-decoration:none}.brand{font-weight:700;font-size:1.2rem}
    .top nav{margin-left:auto;display:flex;gap:1rem}.search input{padding:.3rem;min-width:14rem}
    main{max-width:72rem;margin:0 auto;padding:1.5rem}footer{text-align:center;padding:2rem;color:#777}
    .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:1rem;list-style:none;padding:0}
    .card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.8rem}.card img{width:100%;height:10rem;object-fit:cover}
    .price{font-weight:700;color:#0a5}.was{text-decoration:line-through;color:#888;margin-left:.5rem}
    .notice{background:#fff6d6;border:1px solid #e7c84a;padding:.8rem 1rem;border-radius:6px}
    .product{display:grid;grid-template-columns:1fr 1fr;gap:2rem}.gallery img{max-width:100%}.thumbs img{width:4rem;height:4rem;object-fit:cover}
    table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.4rem .6rem;text-align:left}
    .filters{display:flex;gap:.6rem;align-items:end;flex-wrap:wrap;margin-bottom:1rem}
    .checkout label{display:inline-block;min-width:16rem}.checkout fieldset{margin-bottom:1rem;border:1px solid #ddd;background:#fff}
    .field-error{color:#b00020;margin-left:.5rem}
    """#

    static let card = #"""
    <li class="card">{{#image}}<img src="{{image}}" alt="{{name}}" loading="lazy">{{/image}}
    <a href="{{url}}">{{name}}</a>{{#brand}}<div class="muted">{{brand}}</div>{{/brand}}
    {{#price}}<div class="price">from {{price}}</div>{{/price}}</li>
    """#

    static let home = #"""
    <h1>Welcome to {{shop_name}}</h1>
    {{#catalog_problem}}<p class="notice">The shop has no products to show yet: {{catalog_problem}}</p>{{/catalog_problem}}
    {{^empty(categories)}}<h2>Categories</h2>{{/empty(categories)}}
    <ul>{{#categories}}<li><a href="{{url}}">{{name}}</a></li>{{/categories}}</ul>
    {{^empty(products)}}<h2>Products</h2>{{/empty(products)}}
    <ul class="grid">{{#products}}{{> card}}{{/products}}</ul>
    """#

    static let filters = #"""
    <form class="filters" method="get">
    {{#q}}<input type="hidden" name="q" value="{{q}}">{{/q}}
    {{#filters}}
    <label>Brand <input name="brand" value="{{brand}}"></label>
    <label>Min ({{currency}}) <input name="min" value="{{min}}" size="6"></label>
    <label>Max ({{currency}}) <input name="max" value="{{max}}" size="6"></label>
    {{/filters}}
    <button>Filter</button>
    </form>
    {{#problems}}<p class="notice">{{text}}</p>{{/problems}}
    """#

    static let category = #"""
    <h1>{{heading}}</h1>
    {{> filters}}
    {{#catalog_problem}}<p class="notice">{{catalog_problem}}</p>{{/catalog_problem}}
    {{#none}}<p>No products match.</p>{{/none}}
    <ul class="grid">{{#products}}{{> card}}{{/products}}</ul>
    <nav class="pages">{{#first_url}}<a href="{{first_url}}">First page</a> {{/first_url}}{{#next_url}}<a rel="next" href="{{next_url}}">Next page</a>{{/next_url}}</nav>
    """#

    static let search = #"""
    <h1>{{#heading}}{{heading}}{{/heading}}{{^heading}}Search{{/heading}}</h1>
    <form method="get" action="/search"><input type="search" name="q" value="{{q}}"><button>Search</button></form>
    {{#empty}}<p>Type a word to search the shop.</p>{{/empty}}
    {{^empty}}
    {{> filters}}
    {{#catalog_problem}}<p class="notice">{{catalog_problem}}</p>{{/catalog_problem}}
    {{#none}}<p>Nothing found for “{{q}}”.</p>{{/none}}
    <ul class="grid">{{#products}}{{> card}}{{/products}}</ul>
    <nav class="pages">{{#first_url}}<a href="{{first_url}}">First page</a> {{/first_url}}{{#next_url}}<a rel="next" href="{{next_url}}">Next page</a>{{/next_url}}</nav>
    {{/empty}}
    """#

    static let product = #"""
    <article class="product" data-product-id="{{id}}">
    <section class="gallery">
    {{#main_image}}<img src="{{url}}" alt="{{alt}}">{{/main_image}}{{^main_image}}<p class="muted">No pictures yet.</p>{{/main_image}}
    <div class="thumbs">{{#thumbnails}}<a href="{{link}}"><img src="{{url}}" alt="{{alt}}" loading="lazy"></a>{{/thumbnails}}</div>
    </section>
    <section>
    <h1>{{name}}</h1>
    {{#brand}}<p>by {{brand}}</p>{{/brand}}
    {{#chosen}}<p class="price">{{price}}{{#was}}<span class="was">{{was}}</span>{{/was}}{{#sale}} <strong>Sale</strong>{{/sale}}</p><p>SKU {{sku}}</p>{{/chosen}}
    {{#many_variants}}
    <form method="get"><label>Choose <select name="variant">{{#variants}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{label}} – {{price}}</option>{{/variants}}</select></label><button>Show</button></form>
    {{/many_variants}}
    {{#chosen}}<form method="post" action="/cart/items"><input type="hidden" name="variant_id" value="{{id}}"><input name="quantity" value="1" size="3" aria-label="Quantity"><button>Add to cart</button></form>{{/chosen}}
    <form method="post" action="/wishlist"><input type="hidden" name="slug" value="{{slug}}"><input type="hidden" name="action" value="{{#in_wishlist}}remove{{/in_wishlist}}{{^in_wishlist}}add{{/in_wishlist}}"><button>{{#in_wishlist}}Remove from{{/in_wishlist}}{{^in_wishlist}}Add to{{/in_wishlist}} wishlist</button></form>
    <form method="post" action="/compare"><input type="hidden" name="slug" value="{{slug}}"><input type="hidden" name="action" value="{{#in_compare}}remove{{/in_compare}}{{^in_compare}}add{{/in_compare}}"><button>{{#in_compare}}Remove from{{/in_compare}}{{^in_compare}}Add to{{/in_compare}} compare</button></form>
    <div class="description">{{description}}</div>
    {{^empty(attributes)}}<table>{{#attributes}}<tr><th>{{name}}</th><td>{{value}}</td></tr>{{/attributes}}</table>{{/empty(attributes)}}
    <p>{{#categories}}<a href="{{url}}">{{name}}</a> {{/categories}}</p>
    <aside class="fit-preview">{{#fit_preview}}{{#available}}<h2>Fit preview</h2><p>{{summary}}</p>{{/available}}{{^available}}<p class="muted">{{reason}}</p>{{/available}}{{/fit_preview}}</aside>
    </section>
    </article>
    """#

    static let cart = #"""
    <h1>Cart</h1>
    {{#problem}}<p class="notice">{{problem}}</p>{{/problem}}
    {{#cart}}{{#empty}}<p>Your cart is empty.</p>{{/empty}}
    {{^empty}}<table><tr><th>Product</th><th>Qty</th><th>Price</th><th>Total</th></tr>
    {{#lines}}<tr><td>{{name}} <small>{{sku}}</small></td><td>{{quantity}}</td><td>{{unit_price}}</td><td>{{total}}</td></tr>{{/lines}}</table>
    {{#total}}<p class="price">Total {{total}}</p>{{/total}}<p><a href="/checkout">Checkout</a></p>{{/empty}}{{/cart}}
    """#

    /// The checkout form posts plain HTML to `POST /checkout`; `key` is the order's
    /// idempotency key, made when this page was rendered.
    static let checkout = #"""
    <h1>Checkout</h1>
    {{^empty(missing)}}<div class="notice"><p>Checkout cannot finish yet:</p><ul>{{#missing}}<li>{{text}}</li>{{/missing}}</ul></div>{{/empty(missing)}}
    {{#problems}}<p class="notice">{{text}}</p>{{/problems}}
    {{#general}}<p class="notice" role="alert">{{text}}</p>{{/general}}
    {{#cart}}{{#empty}}<p>Your cart is empty. <a href="/">Continue shopping</a></p>{{/empty}}
    {{^empty}}<h2>Items</h2><ul>{{#lines}}<li>{{quantity}} × {{name}} – {{total}}</li>{{/lines}}</ul>{{/empty}}{{/cart}}
    {{#order_total}}<p class="price">To pay {{order_total}}</p>{{/order_total}}
    {{#form}}
    <form class="checkout" method="post" action="/checkout">
    <input type="hidden" name="key" value="{{key}}">
    {{#has_errors}}<p class="notice" role="alert">Please check the fields marked below.</p>{{/has_errors}}
    <fieldset><legend>Contact and shipping address</legend>
    {{#fields}}<p><label for="f-{{name}}">{{label}}{{#required}} *{{/required}}</label>
    <input id="f-{{name}}" name="{{name}}" type="{{type}}" value="{{value}}" autocomplete="{{autocomplete}}"{{#required}} required{{/required}}{{#error}} aria-invalid="true" aria-describedby="e-{{name}}"{{/error}}>
    {{#error}}<span class="field-error" id="e-{{name}}">{{error}}</span>{{/error}}</p>
    {{/fields}}</fieldset>
    <fieldset><legend>Payment</legend>
    {{#payment_methods}}<p><label><input type="radio" name="payment_method" value="{{id}}"{{#checked}} checked{{/checked}}{{^available}} disabled{{/available}} required> {{name}}</label>{{^available}} <small>{{reason}}</small>{{/available}}</p>
    {{/payment_methods}}{{#payment_error}}<span class="field-error" id="e-payment_method">{{payment_error}}</span>{{/payment_error}}
    </fieldset>
    <button>Place order</button>
    </form>
    {{/form}}
    {{^form}}{{^empty(methods)}}<h2>Payment</h2><ul>{{#methods}}<li>{{name}}</li>{{/methods}}</ul>{{/empty(methods)}}{{/form}}
    """#

    /// The confirmation page (`GET /checkout/complete`): the order as Order shows it, and
    /// what is left to do for its payment (a bank transfer's reference, a card confirmed
    /// with Stripe.js, or why the payment could not start).
    static let checkoutComplete = #"""
    <h1>Thank you</h1>
    <p>Order <strong class="order-number">{{number}}</strong> is <strong class="order-status">{{status}}</strong>; payment: <span class="payment-status">{{payment_status}}</span> ({{method}}).</p>
    <table>{{#lines}}<tr><td>{{quantity}} × {{name}}</td><td>{{total}}</td></tr>{{/lines}}</table>
    <p class="price">Total {{total}}</p>
    {{#confirming}}<p class="notice">The payment provider sent you back; the order shows the payment as soon as the shop is told (reload in a moment).</p>{{/confirming}}
    {{#bank_transfer}}<div class="notice"><p>Pay by bank transfer, quoting the reference <strong>{{reference}}</strong>.</p><p>{{instructions}}</p></div>{{/bank_transfer}}
    {{#stripe}}<div id="stripe-pay" data-key="{{publishable_key}}" data-secret="{{client_secret}}" data-return-url="{{return_url}}">
    <h2>Pay by card</h2><div id="payment-element"></div><button id="pay">Pay</button><p id="pay-error" class="notice" hidden></p></div>
    <script src="https://js.stripe.com/v3/"></script><script>{{> stripe-script}}</script>{{/stripe}}
    {{#payment_problem}}<p class="notice">The payment could not start: {{payment_problem}}</p>{{/payment_problem}}
    <p><a href="/">Continue shopping</a>{{#signed_in}} · <a href="/account">Your orders</a>{{/signed_in}}</p>
    """#

    /// Confirms a Stripe payment with Stripe.js (card data never reaches the shop); Stripe then
    /// sends the shopper to Payment's return URL, which comes back to the confirmation page.
    static let stripeScript = #"""
    (()=>{const d=document.getElementById('stripe-pay').dataset,s=Stripe(d.key),e=s.elements({clientSecret:d.secret});e.create('payment').mount('#payment-element');
    document.getElementById('pay').onclick=async()=>{const r=await s.confirmPayment({elements:e,confirmParams:{return_url:d.returnUrl}});
    if(r.error){const o=document.getElementById('pay-error');o.textContent=r.error.message;o.hidden=false}}})()
    """#

    static let account = #"""
    <h1>Your account</h1>
    {{^signed_in}}<p><a href="/account/signin">Sign in</a> or <a href="/account/signup">create an account</a>.</p>{{/signed_in}}
    {{#signed_in}}
    <h2>Orders</h2>
    {{#orders_problem}}<p class="notice">{{orders_problem}}</p>{{/orders_problem}}
    {{^empty(orders)}}<table><tr><th>Order</th><th>Placed</th><th>Status</th><th>Total</th></tr>{{#orders}}<tr><td>{{number}}</td><td>{{placed_at}}</td><td>{{status}}</td><td>{{total}}</td></tr>{{/orders}}</table>{{/empty(orders)}}
    <button id="signout">Sign out</button>
    <script>document.getElementById('signout').onclick=async()=>{await fetch('/api/account/session',{method:'DELETE'});location='/'}</script>
    {{/signed_in}}
    """#

    /// The host's account API takes JSON only, so these forms post with a few lines of script.
    static let signin = #"""
    <h1>Sign in</h1>
    <form id="account" data-api="/api/account/session">
    <label>Email <input name="email" type="email" required autocomplete="email"></label>
    <label>Password <input name="password" type="password" required autocomplete="current-password"></label>
    <button>Sign in</button><p id="error" class="notice" hidden></p></form>
    <p>New here? <a href="/account/signup">Create an account</a>.</p>
    <script>{{> account-script}}</script>
    """#

    static let signup = #"""
    <h1>Create an account</h1>
    <form id="account" data-api="/api/account/customers" data-then="/api/account/session">
    <label>Name <input name="name" required autocomplete="name"></label>
    <label>Email <input name="email" type="email" required autocomplete="email"></label>
    <label>Password <input name="password" type="password" required minlength="8" autocomplete="new-password"></label>
    <button>Create account</button><p id="error" class="notice" hidden></p></form>
    <script>{{> account-script}}</script>
    """#

    /// Posts the form as JSON to `data-api` (then signs in through `data-then`), then goes to /account.
    static let accountScript = #"""
    document.getElementById('account').onsubmit=async e=>{e.preventDefault();const f=e.target,b=JSON.stringify(Object.fromEntries(new FormData(f))),
    h={'Content-Type':'application/json'},out=document.getElementById('error');
    let r=await fetch(f.dataset.api,{method:'POST',headers:h,body:b});
    if(r.ok&&f.dataset.then)r=await fetch(f.dataset.then,{method:'POST',headers:h,body:b});
    if(r.ok){location='/account'}else{const p=await r.json().catch(()=>({}));out.textContent=p.detail||('Failed: '+r.status);out.hidden=false}}
    """#

    static let wishlist = #"""
    <h1>Wishlist</h1>
    {{#problem}}<p class="notice">{{problem}}</p>{{/problem}}
    {{#empty}}<p>Nothing saved yet.</p>{{/empty}}
    <ul class="grid">{{#products}}<li class="card"><a href="{{url}}">{{name}}</a>{{#price}}<div class="price">from {{price}}</div>{{/price}}
    <form method="post" action="/wishlist"><input type="hidden" name="slug" value="{{slug}}"><input type="hidden" name="action" value="remove"><button>Remove</button></form></li>{{/products}}</ul>
    """#

    static let compare = #"""
    <h1>Compare</h1>
    {{#problem}}<p class="notice">{{problem}}</p>{{/problem}}
    {{#empty}}<p>Add up to {{limit}} products to compare them side by side.</p>{{/empty}}
    {{^empty}}<table class="compare"><tr><th></th>{{#products}}<th><a href="{{url}}">{{name}}</a><div class="price">{{price}}</div>
    <form method="post" action="/compare"><input type="hidden" name="slug" value="{{slug}}"><input type="hidden" name="action" value="remove"><button>Remove</button></form></th>{{/products}}</tr>
    {{#rows}}<tr><th>{{name}}</th>{{#cells}}<td>{{value}}</td>{{/cells}}</tr>{{/rows}}</table>{{/empty}}
    """#

    static let notice = #"""
    <h1>{{heading}}</h1>
    <p class="notice">{{message}}</p>
    {{^empty(missing)}}<p>Missing: {{#missing}}{{text}} {{/missing}}</p>{{/empty(missing)}}
    <p><a href="/">Back to the shop</a></p>
    """#

    static let sitemap = #"""
    <?xml version="1.0" encoding="UTF-8"?>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    {{#urls}}<url><loc>{{loc}}</loc></url>
    {{/urls}}</urlset>
    """#

    static let robots = #"""
    User-agent: *
    Disallow: /cart
    Disallow: /checkout
    Disallow: /account
    Disallow: /wishlist
    Disallow: /compare
    Disallow: /api/
    Sitemap: {{{sitemap}}}

    """#
}
