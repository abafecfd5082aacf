/// The types, templates (English) and rules a new installation starts with. Staff edit
/// them through the admin API; a restart never overwrites an edit.
enum DefaultTemplates {
    struct TypeSeed {
        let id: String, topic: String, transactional: Bool, description: String
    }

    struct TemplateSeed {
        let type: String, channel: Channel, locale: String, subject: String, html: String, body: String
    }

    struct RuleSeed {
        let topic: String, type: String, recipientJSON: String, channels: [Channel]
    }

    static let types: [TypeSeed] = [
        TypeSeed(id: "order.placed", topic: "order.order.placed", transactional: true, description: "Order confirmation to the customer"),
        TypeSeed(id: "order.paid", topic: "order.order.paid", transactional: true, description: "Payment received"),
        TypeSeed(id: "order.shipped", topic: "order.fulfillment.shipped", transactional: true, description: "Shipping notice with tracking"),
        TypeSeed(id: "password.reset", topic: "platformkit.password.reset_requested", transactional: true, description: "Password reset link"),
        TypeSeed(id: "stock.low", topic: "inventory.stock.ran_low", transactional: true, description: "Low-stock alert to staff"),
    ]

    static let templates: [TemplateSeed] = [
        TemplateSeed(type: "order.placed", channel: .email, locale: "en", subject: "Order {{order_id}} received",
                     html: "<h1>Thank you for your order</h1>\n<p>We received order <strong>{{order_id}}</strong> for {{total_formatted}}.</p>\n<p>We will write again when it ships.</p>",
                     body: "Thank you for your order.\n\nWe received order {{order_id}} for {{total_formatted}}.\nWe will write again when it ships."),
        TemplateSeed(type: "order.placed", channel: .sms, locale: "en", subject: "", html: "",
                     body: "Order {{order_id}} received ({{total_formatted}}). Thank you!"),
        TemplateSeed(type: "order.placed", channel: .inapp, locale: "en", subject: "Order {{order_id}} received", html: "",
                     body: "We received your order for {{total_formatted}}."),
        TemplateSeed(type: "order.paid", channel: .email, locale: "en", subject: "Payment received for order {{order_id}}",
                     html: "<p>We received your payment of <strong>{{total_formatted}}</strong> for order {{order_id}}.</p>",
                     body: "We received your payment of {{total_formatted}} for order {{order_id}}."),
        TemplateSeed(type: "order.paid", channel: .inapp, locale: "en", subject: "Payment received", html: "",
                     body: "Order {{order_id}} is paid ({{total_formatted}})."),
        TemplateSeed(type: "order.shipped", channel: .email, locale: "en", subject: "Order {{order_id}} is on its way",
                     html: "<p>Order <strong>{{order_id}}</strong> has shipped{{#carrier}} with {{carrier}}{{/carrier}}.</p>\n{{#tracking_url}}<p><a href=\"{{tracking_url}}\">Track your parcel</a></p>{{/tracking_url}}",
                     body: "Order {{order_id}} has shipped{{#carrier}} with {{carrier}}{{/carrier}}.\n{{#tracking_url}}Track it: {{tracking_url}}{{/tracking_url}}"),
        TemplateSeed(type: "order.shipped", channel: .sms, locale: "en", subject: "", html: "",
                     body: "Order {{order_id}} has shipped.{{#tracking_number}} Tracking: {{tracking_number}}{{/tracking_number}}"),
        TemplateSeed(type: "order.shipped", channel: .push, locale: "en", subject: "Your order is on its way", html: "",
                     body: "Order {{order_id}} has shipped."),
        TemplateSeed(type: "order.shipped", channel: .inapp, locale: "en", subject: "Order {{order_id}} shipped", html: "",
                     body: "{{#tracking_number}}Tracking number {{tracking_number}}.{{/tracking_number}}"),
        TemplateSeed(type: "password.reset", channel: .email, locale: "en", subject: "Reset your password",
                     html: "<p>Hello{{#name}} {{name}}{{/name}},</p>\n<p><a href=\"{{reset_url}}\">Choose a new password</a>{{#expires_in_minutes}} within {{expires_in_minutes}} minutes{{/expires_in_minutes}}.</p>\n<p>If you did not ask for this, ignore this message.</p>",
                     body: "Hello{{#name}} {{name}}{{/name}},\n\nChoose a new password here{{#expires_in_minutes}} within {{expires_in_minutes}} minutes{{/expires_in_minutes}}:\n{{reset_url}}\n\nIf you did not ask for this, ignore this message."),
        TemplateSeed(type: "stock.low", channel: .email, locale: "en", subject: "Low stock: {{sku}}",
                     html: "<p><strong>{{sku}}</strong>{{#name}} ({{name}}){{/name}} has {{available}} left{{#location}} at {{location}}{{/location}}; the threshold is {{threshold}}.</p>",
                     body: "{{sku}}{{#name}} ({{name}}){{/name}} has {{available}} left{{#location}} at {{location}}{{/location}}; the threshold is {{threshold}}."),
        TemplateSeed(type: "stock.low", channel: .inapp, locale: "en", subject: "Low stock: {{sku}}", html: "",
                     body: "{{available}} left (threshold {{threshold}})."),
    ]

    /// Customers hear about their own orders and password resets. Low stock has no default
    /// rule: staff add one naming who is told.
    static let rules: [RuleSeed] = [
        RuleSeed(topic: "order.order.placed", type: "order.placed",
                 recipientJSON: #"{"user": "{{customer}}", "email": "{{customer_email}}"}"#, channels: [.email, .inapp]),
        RuleSeed(topic: "order.order.paid", type: "order.paid",
                 recipientJSON: #"{"user": "{{customer}}", "email": "{{customer_email}}"}"#, channels: [.email, .inapp]),
        RuleSeed(topic: "order.fulfillment.shipped", type: "order.shipped",
                 recipientJSON: #"{"user": "{{customer}}", "email": "{{customer_email}}"}"#, channels: [.email, .inapp]),
        RuleSeed(topic: "platformkit.password.reset_requested", type: "password.reset",
                 recipientJSON: #"{"user": "{{user_id}}", "email": "{{email}}"}"#, channels: [.email]),
    ]
}
