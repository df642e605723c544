//! Beam search, speculative and constrained decoding on SmolLM2.

mod common;

use common::model_path;
use dojo::decoding::beam::greedy_tokens;
use dojo::decoding::{
    beam_search, constrained_generate, generate, json_object_regex, speculative_generate, BeamConfig, Constraint,
    GenerateConfig, JsonType, SamplerConfig, SpeculativeConfig,
};
use dojo::models::gguf::Gguf;
use dojo::models::llama::{Backend, Llama};
use dojo::tokenizer::{chatml, Message, Role, Tokenizer};

fn load() -> Option<(Tokenizer, Llama)> {
    let g = Gguf::open(&model_path()?).unwrap();
    Some((Tokenizer::from_gguf(&g).unwrap(), Llama::load(&g, Backend::Quantized).unwrap()))
}

#[test]
fn speculative_greedy_equals_greedy_token_for_token() {
    let Some((tok, model)) = load() else { return };
    let prompt = tok.encode("The history of the printing press begins", false);
    let cfg = GenerateConfig { max_tokens: 40, ..GenerateConfig::default() };
    let plain = generate(&model, &tok, &prompt, &cfg, &mut |_| {}).unwrap();
    let drafts = [
        SpeculativeConfig::first_layers(4, 3),
        SpeculativeConfig::skip_middle(30, 8, 6, 5),
        SpeculativeConfig::first_layers(30, 2),
    ];
    for spec in drafts {
        let (g, stats) = speculative_generate(&model, &tok, &prompt, &cfg, &spec, &mut |_| {}).unwrap();
        assert_eq!(g.tokens, plain.tokens, "{spec:?}");
        if spec.draft_layers.len() == 30 {
            // The full model as its own draft agrees with itself every time.
            assert_eq!(stats.acceptance_rate(), 1.0, "{stats:?}");
            assert!(stats.target_passes <= 40 / 3 + 1, "{stats:?}");
        }
    }
}

#[test]
fn speculative_sampling_is_reproducible_and_stops_like_generate() {
    let Some((tok, model)) = load() else { return };
    let prompt = tok.encode(&chatml(&[Message::new(Role::User, "Say hello.")]), true);
    let cfg = GenerateConfig {
        max_tokens: 30,
        stop_tokens: vec![tok.eos().unwrap()],
        sampler: SamplerConfig { temperature: 0.7, ..SamplerConfig::default() },
        seed: 3,
        ..GenerateConfig::default()
    };
    let spec = SpeculativeConfig::default();
    let a = speculative_generate(&model, &tok, &prompt, &cfg, &spec, &mut |_| {}).unwrap().0;
    let b = speculative_generate(&model, &tok, &prompt, &cfg, &spec, &mut |_| {}).unwrap().0;
    assert_eq!(a.tokens, b.tokens);
    assert!(a.tokens.len() <= 30 && !a.tokens.contains(&tok.eos().unwrap()));
}

#[test]
fn beam_of_one_is_greedy_and_wider_beams_find_likelier_sequences() {
    let Some((tok, model)) = load() else { return };
    let prompt = tok.encode("The three laws of motion were written by", false);
    let base = BeamConfig { beams: 1, max_tokens: 8, early_stopping: true, length_penalty: 0.0, stop_tokens: vec![] };
    let one = beam_search(&model, &prompt, &base).unwrap();
    assert_eq!(one[0].tokens, greedy_tokens(&model, &prompt, 8).unwrap());
    let four = beam_search(&model, &prompt, &BeamConfig { beams: 4, ..base }).unwrap();
    assert_eq!(four.len(), 4);
    assert!(four.windows(2).all(|w| w[0].score >= w[1].score));
    // With α = 0 the score is the total log-probability, which a wider beam can only raise.
    assert!(four[0].logprob >= one[0].logprob - 1e-6, "{} < {}", four[0].logprob, one[0].logprob);
}

#[test]
fn constrained_output_always_matches() {
    let Some((tok, model)) = load() else { return };
    let eos = tok.eos().unwrap();
    let ask = |q: &str| tok.encode(&chatml(&[Message::new(Role::User, q)]), true);
    let cfg = GenerateConfig { max_tokens: 40, stop_tokens: vec![eos], ..GenerateConfig::default() };
    let choices = ["positive", "negative", "neutral"];
    let mut c = Constraint::choice(&choices).unwrap();
    let g =
        constrained_generate(&model, &tok, &ask("Sentiment of 'I loved this film!'? One word."), &cfg, &mut c).unwrap();
    assert!(choices.contains(&g.text.as_str()), "{:?}", g.text);
    let re = json_object_regex(&[("city", JsonType::String), ("population", JsonType::Integer)]);
    let mut c = Constraint::regex(&re).unwrap();
    let g = constrained_generate(&model, &tok, &ask("Give the capital of Japan as JSON."), &cfg, &mut c).unwrap();
    assert!(Constraint::regex(&re).unwrap().is_complete(g.text.as_bytes()).unwrap(), "{:?}", g.text);
    let v: serde_json::Value = serde_json::from_str(&g.text).unwrap();
    assert!(v["population"].is_i64(), "{v}");
}
