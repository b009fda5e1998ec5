// The Discord matrix's scenario bot for discordgo: discordgo-bot '<settings JSON>'.
//
// discordgo builds its REST URLs from package variables (EndpointAPI and the ones made
// from it when the package loads) and speaks API v9 unless APIVersion says otherwise:
// the bot sets them to the twin's /api/v10 before it opens anything; the gateway URL
// comes from the twin's /gateway. discordgo runs one Session per shard. It behaves as
// tests/matrix/discord/checks.py says and prints JSON lines ("ready" with its guilds,
// "error", "fatal" with what Open returned); {"cmd":"exit"} on stdin closes it.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"
)

type settings struct {
	Rest    string   `json:"rest"`
	Token   string   `json:"token"`
	Intents int      `json:"intents"`
	Locked  string   `json:"locked"`
	Shards  *int     `json:"shards"`
	General []string `json:"general"`
}

var outMu sync.Mutex

func out(line map[string]any) {
	outMu.Lock()
	defer outMu.Unlock()
	data, _ := json.Marshal(line)
	fmt.Println(string(data))
}

func fail(where string, err error) {
	if err != nil {
		out(map[string]any{"type": "error", "where": where, "message": err.Error()})
	}
}

func pointAtTwin(rest string) {
	api := strings.TrimSuffix(rest, "/") + "/"
	discordgo.APIVersion = "10"
	discordgo.EndpointAPI = api
	discordgo.EndpointGuilds = api + "guilds/"
	discordgo.EndpointChannels = api + "channels/"
	discordgo.EndpointUsers = api + "users/"
	discordgo.EndpointGateway = api + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointWebhooks = api + "webhooks/"
	discordgo.EndpointStickers = api + "stickers/"
	discordgo.EndpointGuildCreate = api + "guilds"
	discordgo.EndpointApplications = api + "applications"
}

type bot struct {
	cfg      settings
	sessions []*discordgo.Session
	mu       sync.Mutex
	ready    map[int]bool
	pending  map[string]bool
	guilds   map[string]bool
	done     bool
}

func (b *bot) maybeReady() {
	if b.done || len(b.ready) != len(b.sessions) || len(b.pending) != 0 {
		return
	}
	b.done = true
	ids := []string{}
	for id := range b.guilds {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out(map[string]any{"type": "ready", "guilds": ids})
}

func (b *bot) onReady(s *discordgo.Session, r *discordgo.Ready) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ready[s.ShardID] = true
	for _, g := range r.Guilds {
		if !b.guilds[g.ID] {
			b.pending[g.ID] = true
		}
	}
	b.maybeReady()
}

func (b *bot) onGuild(s *discordgo.Session, g *discordgo.GuildCreate) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.guilds[g.ID] = true
	delete(b.pending, g.ID)
	b.maybeReady()
}

func (b *bot) onMessage(s *discordgo.Session, m *discordgo.MessageCreate) {
	if m.Author == nil || m.Author.Bot {
		return
	}
	words := strings.Fields(m.Content)
	if len(words) == 0 {
		return
	}
	command, args := words[0], words[1:]
	channel := m.ChannelID
	switch command {
	case "!ping":
		_, err := s.ChannelMessageSend(channel, "pong "+args[0])
		fail("ping", err)
	case "!button":
		_, err := s.ChannelMessageSendComplex(channel, &discordgo.MessageSend{
			Content: "button " + args[0],
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{
				Components: []discordgo.MessageComponent{discordgo.Button{
					Label: "Open", Style: discordgo.PrimaryButton, CustomID: "open:" + args[0]}}}},
		})
		fail("button", err)
	case "!react":
		fail("react", s.MessageReactionAdd(channel, m.ID, "✅"))
	case "!forbidden":
		_, err := s.ChannelMessageSend(b.cfg.Locked, "not allowed here")
		var rest *discordgo.RESTError
		if !errors.As(err, &rest) {
			fail("forbidden", fmt.Errorf("expected a REST error, got %v", err))
			return
		}
		code := -1
		if rest.Message != nil {
			code = rest.Message.Code
		}
		_, err = s.ChannelMessageSend(channel, fmt.Sprintf("forbidden %d %d %s",
			rest.Response.StatusCode, code, args[0]))
		fail("forbidden", err)
	case "!burst":
		count, _ := strconv.Atoi(args[1])
		for i := 1; i <= count; i++ {
			_, err := s.ChannelMessageSend(channel, fmt.Sprintf("burst %s %d", args[0], i))
			fail("burst", err)
		}
	}
}

func (b *bot) onReaction(s *discordgo.Session, r *discordgo.MessageReactionAdd) {
	if r.UserID == s.State.User.ID {
		return
	}
	_, err := s.ChannelMessageSend(r.ChannelID, fmt.Sprintf("reaction %s %s", r.Emoji.Name, r.UserID))
	fail("reaction", err)
}

func (b *bot) onJoin(s *discordgo.Session, m *discordgo.GuildMemberAdd) {
	channels, err := s.GuildChannels(m.GuildID)
	if err != nil {
		fail("join", err)
		return
	}
	for _, c := range channels {
		if c.Name == "general" {
			_, err := s.ChannelMessageSend(c.ID, "welcome "+m.User.ID)
			fail("join", err)
			return
		}
	}
	fail("join", errors.New("no #general"))
}

func message(content string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: content}}
}

func (b *bot) onInteraction(s *discordgo.Session, i *discordgo.InteractionCreate) {
	var err error
	switch i.Type {
	case discordgo.InteractionApplicationCommandAutocomplete:
		typed := ""
		for _, o := range i.ApplicationCommandData().Options {
			if o.Focused {
				typed = o.StringValue()
			}
		}
		choices := []*discordgo.ApplicationCommandOptionChoice{}
		for _, n := range []string{typed + "-1", typed + "-2"} {
			choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: n, Value: n})
		}
		err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: choices}})
	case discordgo.InteractionApplicationCommand:
		given := map[string]*discordgo.ApplicationCommandInteractionDataOption{}
		for _, o := range i.ApplicationCommandData().Options {
			given[o.Name] = o
		}
		err = s.InteractionRespond(i.Interaction, message(fmt.Sprintf("echo %s x%d",
			given["text"].StringValue(), given["times"].IntValue())))
	case discordgo.InteractionMessageComponent:
		n := strings.SplitN(i.MessageComponentData().CustomID, ":", 2)[1]
		err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseModal,
			Data: &discordgo.InteractionResponseData{Title: "Form", CustomID: "form:" + n,
				Components: []discordgo.MessageComponent{discordgo.ActionsRow{
					Components: []discordgo.MessageComponent{discordgo.TextInput{
						CustomID: "answer", Label: "Answer", Style: discordgo.TextInputShort}}}}}})
	case discordgo.InteractionModalSubmit:
		data := i.ModalSubmitData()
		n := strings.SplitN(data.CustomID, ":", 2)[1]
		answer := ""
		for _, row := range data.Components {
			if r, ok := row.(*discordgo.ActionsRow); ok {
				for _, c := range r.Components {
					if t, ok := c.(*discordgo.TextInput); ok && t.CustomID == "answer" {
						answer = t.Value
					}
				}
			}
		}
		err = s.InteractionRespond(i.Interaction, message(fmt.Sprintf("modal %s %s", answer, n)))
	}
	fail("interaction", err)
}

func main() {
	var cfg settings
	if err := json.Unmarshal([]byte(os.Args[1]), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "settings:", err)
		os.Exit(2)
	}
	pointAtTwin(cfg.Rest)
	shards := 1
	if cfg.Shards != nil {
		shards = *cfg.Shards
	}
	b := &bot{cfg: cfg, ready: map[int]bool{}, pending: map[string]bool{}, guilds: map[string]bool{}}
	for id := 0; id < shards; id++ {
		s, err := discordgo.New("Bot " + cfg.Token)
		if err != nil {
			fail("new", err)
			os.Exit(1)
		}
		s.Identify.Intents = discordgo.Intent(cfg.Intents)
		if cfg.Shards != nil {
			s.ShardID, s.ShardCount = id, shards
		}
		s.AddHandler(b.onReady)
		s.AddHandler(b.onGuild)
		s.AddHandler(b.onMessage)
		s.AddHandler(b.onReaction)
		s.AddHandler(b.onJoin)
		s.AddHandler(b.onInteraction)
		b.sessions = append(b.sessions, s)
	}
	for _, s := range b.sessions {
		// Open returns once READY came; a close before it (4014 for a privileged intent
		// the application may not ask for) is its error, and Open does not retry.
		if err := s.Open(); err != nil {
			out(map[string]any{"type": "fatal", "where": "Session.Open", "message": err.Error()})
			os.Exit(1)
		}
	}
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		var cmd map[string]any
		if json.Unmarshal(scanner.Bytes(), &cmd) == nil && cmd["cmd"] == "exit" {
			break
		}
	}
	for _, s := range b.sessions {
		_ = s.Close()
	}
}
