//! The chat template: how a conversation becomes the single token stream the model was
//! fine-tuned on. SmolLM2-Instruct uses ChatML:
//!
//! ```text
//! <|im_start|>system
//! You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
//! <|im_start|>user
//! What is 2+2?<|im_end|>
//! <|im_start|>assistant
//! ```
//!
//! The model learned to answer after `<|im_start|>assistant\n` and to end its turn with
//! `<|im_end|>`, so that token is where generation stops. A prompt in the wrong format still
//! "works" but the model behaves like a base model continuing text.

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Instructions that frame the conversation.
    System,
    /// The person.
    User,
    /// The model.
    Assistant,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Speaker.
    pub role: Role,
    /// Text.
    pub content: String,
}

impl Message {
    /// A message from `role`.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self { role, content: content.into() }
    }
}

/// SmolLM2's default system prompt (what its template inserts when none is given).
pub const DEFAULT_SYSTEM: &str = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";

/// The token that ends a turn in ChatML.
pub const END_OF_TURN: &str = "<|im_end|>";

/// Renders `messages` in ChatML, adding the default system prompt if the first message is not
/// a system message, and ending with an open assistant turn.
pub fn chatml(messages: &[Message]) -> String {
    let mut out = String::new();
    if messages.first().is_none_or(|m| m.role != Role::System) {
        out.push_str(&format!("<|im_start|>system\n{DEFAULT_SYSTEM}{END_OF_TURN}\n"));
    }
    for m in messages {
        out.push_str(&format!("<|im_start|>{}\n{}{END_OF_TURN}\n", m.role.name(), m.content));
    }
    out.push_str("<|im_start|>assistant\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_chatml_with_default_system_and_open_assistant_turn() {
        let s = chatml(&[Message::new(Role::User, "Hi")]);
        assert_eq!(
            s,
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
             <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        );
        let s = chatml(&[Message::new(Role::System, "Be brief."), Message::new(Role::User, "Hi")]);
        assert!(s.starts_with("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user"));
    }
}
