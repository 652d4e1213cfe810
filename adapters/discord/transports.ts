import { MessageFlags, Routes, type ButtonInteraction, type ChatInputCommandInteraction, type REST, type RawFile } from "discord.js";
import type { InteractionTransport } from "./flow.js";
import type { RenderedMessage } from "./render.js";

const NO_MENTIONS = { parse: [] as [] };

/** Options for discord.js interaction methods (embeds and components as API JSON). */
function jsOptions(m: RenderedMessage) {
  return {
    content: m.content ?? null,
    embeds: m.embeds,
    components: m.components,
    files: m.files.map((f) => ({ attachment: f.data, name: f.name, ...(f.description ? { description: f.description } : {}) })),
    allowedMentions: NO_MENTIONS,
  };
}

/** Gateway mode: answers through the discord.js interaction (reply/deferReply/editReply/update/followUp). */
export class GatewayTransport implements InteractionTransport {
  constructor(private readonly i: ChatInputCommandInteraction | ButtonInteraction) {}

  async reply(m: RenderedMessage, ephemeral: boolean) {
    const { content, ...rest } = jsOptions(m);
    await this.i.reply({ ...rest, ...(content ? { content } : {}), ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}) });
  }

  async update(m: RenderedMessage) {
    if (!this.i.isButton()) throw new Error("update() is only for button presses");
    await this.i.update({ ...jsOptions(m), attachments: [] });
  }

  async defer(ephemeral: boolean) {
    await this.i.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
  }

  async editOriginal(m: RenderedMessage) {
    await this.i.editReply({ ...jsOptions(m), attachments: [] });
  }

  async deleteOriginal() {
    await this.i.deleteReply();
  }

  async followUp(m: RenderedMessage, ephemeral: boolean) {
    const { content, ...rest } = jsOptions(m);
    const msg = await this.i.followUp({ ...rest, ...(content ? { content } : {}), ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}) });
    return msg.id;
  }

  async deleteMessage(id: string) {
    await this.i.deleteReply(id);
  }
}

/** A RenderedMessage as a REST JSON body plus multipart files (`attachment://name` in embeds). */
export function restMessage(m: RenderedMessage, flags?: number): { body: Record<string, unknown>; files: RawFile[] } {
  return {
    body: {
      content: m.content ?? "",
      embeds: m.embeds,
      components: m.components,
      attachments: m.files.map((f, id) => ({ id, filename: f.name, ...(f.description ? { description: f.description } : {}) })),
      allowed_mentions: NO_MENTIONS,
      ...(flags ? { flags } : {}),
    },
    files: m.files.map((f, i) => ({ name: f.name, data: f.data, key: `files[${i}]`, contentType: "image/png" })),
  };
}

/** HTTP mode (and anything holding only id + token): the same answers through the interaction webhook routes. */
export class RestTransport implements InteractionTransport {
  constructor(
    private readonly rest: REST,
    private readonly applicationId: string,
    private readonly interaction: { id: string; token: string },
  ) {}

  private callback(type: number, m?: RenderedMessage, flags?: number) {
    const msg = m ? restMessage(m, flags) : undefined;
    const data = msg ? msg.body : flags ? { flags } : undefined;
    return this.rest.post(Routes.interactionCallback(this.interaction.id, this.interaction.token), {
      body: { type, ...(data ? { data } : {}) },
      files: msg?.files ?? [],
      auth: false,
    });
  }

  async reply(m: RenderedMessage, ephemeral: boolean) {
    await this.callback(4, m, ephemeral ? MessageFlags.Ephemeral : undefined);
  }

  async update(m: RenderedMessage) {
    await this.callback(7, m);
  }

  async defer(ephemeral: boolean) {
    await this.callback(5, undefined, ephemeral ? MessageFlags.Ephemeral : undefined);
  }

  async editOriginal(m: RenderedMessage) {
    const { body, files } = restMessage(m);
    await this.rest.patch(Routes.webhookMessage(this.applicationId, this.interaction.token, "@original"), { body, files, auth: false });
  }

  async deleteOriginal() {
    await this.rest.delete(Routes.webhookMessage(this.applicationId, this.interaction.token, "@original"), { auth: false });
  }

  async followUp(m: RenderedMessage, ephemeral: boolean) {
    const { body, files } = restMessage(m, ephemeral ? MessageFlags.Ephemeral : undefined);
    const msg = (await this.rest.post(Routes.webhook(this.applicationId, this.interaction.token), {
      body,
      files,
      auth: false,
      query: new URLSearchParams({ wait: "true" }),
    })) as { id?: string };
    return msg.id;
  }

  async deleteMessage(id: string) {
    await this.rest.delete(Routes.webhookMessage(this.applicationId, this.interaction.token, id), { auth: false });
  }
}
