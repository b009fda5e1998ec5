//! The Discord matrix's scenario bot for twilight: `twilight-bot '<settings JSON>'`.
//!
//! twilight-http sends every request to its proxy (`ClientBuilder::proxy`, over plain
//! HTTP), here the twin; each shard dials the twin's gateway through
//! `ConfigBuilder::proxy_url`. Behaves as tests/matrix/discord/checks.py says and prints
//! JSON lines ("ready" with its guilds, "error", "fatal" once a shard's event stream
//! ended); {"cmd":"exit"} on stdin ends it.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use twilight_gateway::{ConfigBuilder, Event, EventTypeFlags, Intents, Shard, ShardId, StreamExt as _};
use twilight_http::error::ErrorType;
use twilight_http::request::channel::reaction::RequestReactionType;
use twilight_http::Client;
use twilight_model::application::command::{CommandOptionChoice, CommandOptionChoiceValue};
use twilight_model::application::interaction::application_command::CommandOptionValue;
use twilight_model::application::interaction::{Interaction, InteractionData, InteractionType};
use twilight_model::channel::message::component::{
    ActionRow, Button, ButtonStyle, Component, TextInput, TextInputStyle,
};
use twilight_model::channel::message::EmojiReactionType;
use twilight_model::http::interaction::{
    InteractionResponse, InteractionResponseData, InteractionResponseType,
};
use twilight_model::id::marker::{ApplicationMarker, ChannelMarker};
use twilight_model::id::Id;

fn out(line: Value) {
    println!("{line}");
}

fn fail(where_: &str, error: impl std::fmt::Display) {
    out(json!({"type": "error", "where": where_, "message": error.to_string()}));
}

struct State {
    shards: usize,
    ready: BTreeSet<u32>,
    pending: BTreeSet<u64>,
    guilds: BTreeSet<u64>,
    announced: bool,
    me: u64,
}

impl State {
    fn maybe_ready(&mut self) {
        if !self.announced && self.ready.len() == self.shards && self.pending.is_empty() {
            self.announced = true;
            let ids: Vec<String> = self.guilds.iter().map(|g| g.to_string()).collect();
            out(json!({"type": "ready", "guilds": ids}));
        }
    }
}

struct Bot {
    http: Client,
    application: Id<ApplicationMarker>,
    locked: Id<ChannelMarker>,
    state: Mutex<State>,
}

impl Bot {
    async fn say(&self, channel: Id<ChannelMarker>, text: &str) {
        if let Err(error) = self.http.create_message(channel).content(text).await {
            fail("create_message", error);
        }
    }

    async fn respond(&self, interaction: &Interaction, response: InteractionResponse) {
        let client = self.http.interaction(self.application);
        if let Err(error) =
            client.create_response(interaction.id, &interaction.token, &response).await
        {
            fail("create_response", error);
        }
    }

    async fn handle(&self, event: Event) {
        match event {
            Event::Ready(ready) => {
                let mut state = self.state.lock().unwrap();
                state.me = ready.user.id.get();
                state.ready.insert(ready.shard.map(|s| s.number()).unwrap_or(0));
                for guild in &ready.guilds {
                    if !state.guilds.contains(&guild.id.get()) {
                        state.pending.insert(guild.id.get());
                    }
                }
                state.maybe_ready();
            }
            Event::GuildCreate(guild) => {
                let mut state = self.state.lock().unwrap();
                state.guilds.insert(guild.id().get());
                state.pending.remove(&guild.id().get());
                state.maybe_ready();
            }
            Event::MessageCreate(message) => {
                if message.author.bot {
                    return;
                }
                let words: Vec<&str> = message.content.split_whitespace().collect();
                if words.len() < 2 {
                    return;
                }
                let channel = message.channel_id;
                match words[0] {
                    "!ping" => self.say(channel, &format!("pong {}", words[1])).await,
                    "!button" => {
                        let button = Component::Button(Button {
                            custom_id: Some(format!("open:{}", words[1])),
                            disabled: false,
                            emoji: None,
                            label: Some("Open".to_owned()),
                            style: ButtonStyle::Primary,
                            url: None,
                            sku_id: None,
                        });
                        let row = [Component::ActionRow(ActionRow { components: vec![button] })];
                        let text = format!("button {}", words[1]);
                        if let Err(error) =
                            self.http.create_message(channel).content(&text).components(&row).await
                        {
                            fail("button", error);
                        }
                    }
                    "!react" => {
                        let emoji = RequestReactionType::Unicode { name: "✅" };
                        if let Err(error) =
                            self.http.create_reaction(channel, message.id, &emoji).await
                        {
                            fail("react", error);
                        }
                    }
                    "!forbidden" => {
                        match self.http.create_message(self.locked).content("not allowed").await {
                            Ok(_) => fail("forbidden", "the post in #locked went through"),
                            Err(error) => match error.kind() {
                                ErrorType::Response { status, error: body, .. } => {
                                    let code = serde_json::to_value(body)
                                        .ok()
                                        .and_then(|v| v.get("code").and_then(Value::as_u64))
                                        .unwrap_or(0);
                                    let text = format!("forbidden {} {} {}", status.get(), code,
                                                       words[1]);
                                    self.say(channel, &text).await;
                                }
                                _ => fail("forbidden", error),
                            },
                        }
                    }
                    "!burst" => {
                        let count: u32 = words.get(2).and_then(|c| c.parse().ok()).unwrap_or(0);
                        for i in 1..=count {
                            self.say(channel, &format!("burst {} {}", words[1], i)).await;
                        }
                    }
                    _ => {}
                }
            }
            Event::ReactionAdd(reaction) => {
                if reaction.user_id.get() == self.state.lock().unwrap().me {
                    return;
                }
                if let EmojiReactionType::Unicode { name } = &reaction.emoji {
                    let text = format!("reaction {} {}", name, reaction.user_id);
                    self.say(reaction.channel_id, &text).await;
                }
            }
            Event::MemberAdd(member) => {
                let channels = match self.http.guild_channels(member.guild_id).await {
                    Ok(response) => match response.models().await {
                        Ok(channels) => channels,
                        Err(error) => return fail("join", error),
                    },
                    Err(error) => return fail("join", error),
                };
                match channels.iter().find(|c| c.name.as_deref() == Some("general")) {
                    Some(general) => {
                        self.say(general.id, &format!("welcome {}", member.user.id)).await
                    }
                    None => fail("join", "no #general"),
                }
            }
            Event::InteractionCreate(interaction) => self.interaction(&interaction).await,
            _ => {}
        }
    }

    async fn interaction(&self, interaction: &Interaction) {
        let message = |content: String| InteractionResponse {
            kind: InteractionResponseType::ChannelMessageWithSource,
            data: Some(InteractionResponseData { content: Some(content), ..Default::default() }),
        };
        match (&interaction.kind, &interaction.data) {
            (InteractionType::ApplicationCommandAutocomplete,
             Some(InteractionData::ApplicationCommand(data))) => {
                let typed = data.options.iter().find_map(|o| match &o.value {
                    CommandOptionValue::Focused(value, _) => Some(value.clone()),
                    _ => None,
                }).unwrap_or_default();
                let choices = (1..=2).map(|i| CommandOptionChoice {
                    name: format!("{typed}-{i}"),
                    name_localizations: None,
                    value: CommandOptionChoiceValue::String(format!("{typed}-{i}")),
                }).collect();
                self.respond(interaction, InteractionResponse {
                    kind: InteractionResponseType::ApplicationCommandAutocompleteResult,
                    data: Some(InteractionResponseData {
                        choices: Some(choices), ..Default::default()
                    }),
                }).await;
            }
            (InteractionType::ApplicationCommand,
             Some(InteractionData::ApplicationCommand(data))) => {
                let mut text = String::new();
                let mut times = 0;
                for option in &data.options {
                    match (&*option.name, &option.value) {
                        ("text", CommandOptionValue::String(value)) => text = value.clone(),
                        ("times", CommandOptionValue::Integer(value)) => times = *value,
                        _ => {}
                    }
                }
                self.respond(interaction, message(format!("echo {text} x{times}"))).await;
            }
            (InteractionType::MessageComponent, Some(InteractionData::MessageComponent(data))) => {
                let n = data.custom_id.split_once(':').map(|(_, n)| n).unwrap_or("");
                let input = Component::TextInput(TextInput {
                    custom_id: "answer".to_owned(),
                    label: "Answer".to_owned(),
                    max_length: None,
                    min_length: None,
                    placeholder: None,
                    required: None,
                    style: TextInputStyle::Short,
                    value: None,
                });
                self.respond(interaction, InteractionResponse {
                    kind: InteractionResponseType::Modal,
                    data: Some(InteractionResponseData {
                        custom_id: Some(format!("form:{n}")),
                        title: Some("Form".to_owned()),
                        components: Some(vec![Component::ActionRow(ActionRow {
                            components: vec![input],
                        })]),
                        ..Default::default()
                    }),
                }).await;
            }
            (InteractionType::ModalSubmit, Some(InteractionData::ModalSubmit(data))) => {
                let n = data.custom_id.split_once(':').map(|(_, n)| n).unwrap_or("");
                let answer = data.components.iter()
                    .flat_map(|row| row.components.iter())
                    .find(|c| c.custom_id == "answer")
                    .and_then(|c| c.value.clone())
                    .unwrap_or_default();
                self.respond(interaction, message(format!("modal {answer} {n}"))).await;
            }
            _ => {}
        }
    }
}

#[tokio::main]
async fn main() {
    let settings: Value = serde_json::from_str(&std::env::args().nth(1).expect("settings"))
        .expect("settings JSON");
    let text = |key: &str| settings[key].as_str().expect(key).to_owned();
    let token = text("token");
    let host = format!("{}:{}", text("host"), settings["port"]);
    let gateway = text("gateway").trim_end_matches('/').to_owned();
    let shards = settings["shards"].as_u64().map(|n| n as u32);
    let total = shards.unwrap_or(1);
    let bot = Arc::new(Bot {
        http: Client::builder().token(token.clone()).proxy(host, true).build(),
        application: Id::new(text("application_id").parse().expect("application id")),
        locked: Id::new(text("locked").parse().expect("locked channel id")),
        state: Mutex::new(State {
            shards: total as usize, ready: BTreeSet::new(), pending: BTreeSet::new(),
            guilds: BTreeSet::new(), announced: false, me: 0,
        }),
    });
    let intents = Intents::from_bits_truncate(settings["intents"].as_u64().expect("intents"));
    for id in 0..total {
        let config = ConfigBuilder::new(token.clone(), intents).proxy_url(gateway.clone()).build();
        let mut shard = Shard::with_config(ShardId::new(id, total), config);
        let bot = Arc::clone(&bot);
        tokio::spawn(async move {
            let mut closed = String::from("no close frame");
            while let Some(item) = shard.next_event(EventTypeFlags::all()).await {
                match item {
                    Ok(Event::GatewayClose(frame)) => {
                        if let Some(frame) = frame {
                            closed = format!("close {}: {}", frame.code, frame.reason);
                        }
                    }
                    Ok(event) => {
                        let bot = Arc::clone(&bot);
                        tokio::spawn(async move { bot.handle(event).await });
                    }
                    Err(error) => out(json!({"type": "warn", "where": "gateway",
                                             "message": error.to_string()})),
                }
            }
            // The stream ends only once the shard has fatally closed (a close code it may
            // not reconnect after, such as 4014): the last close frame says which.
            out(json!({"type": "fatal", "where": format!("shard {id} stream ended"),
                       "message": format!("{:?}: {closed}", shard.state())}));
        });
    }
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.contains("\"exit\"") {
            break;
        }
    }
}
