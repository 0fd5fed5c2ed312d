"""Generate shared/data/prompts/aiir_benign_train.jsonl: template-made benign prompts that use
attack trigger words in harmless senses ("ignore the noise", "bypass a clogged drain"), in several
languages. Training-only augmentation: the evaluation set aiir_handmade.jsonl is written
separately by hand and never used for training. Deterministic (seeded)."""
import itertools
import json
import random
import sys

random.seed(7)
EN = {
    "ignore": ["the background noise in my recording", "the first line of a CSV file in pandas", "compiler warnings in Rust",
               "case when comparing strings in SQL", "whitespace in a diff", "the typos and focus on the argument",
               "negative comments on my blog", "my cat when she meows at night", "a missing semicolon in JavaScript"],
    "bypass": ["a clogged kitchen sink", "a faulty thermostat on my boiler", "traffic on the highway during rush hour",
               "the browser cache when testing my website", "a blown fuse in an old car", "the toll road to save money legally",
               "the paywall by subscribing through my library"],
    "override": ["a method in a Python subclass", "the default font size in VS Code", "equals and hashCode in Java",
                 "a Terraform variable from the command line", "the thermostat schedule for one day", "a CSS class from Bootstrap"],
    "forget": ["a saved Bluetooth device on Android", "my old Wi-Fi network on Windows", "names right after meeting people",
               "to take my medication in the morning", "the lyrics on stage", "passwords all the time"],
    "disregard": ["outliers in a regression", "the first week of data because of a sensor fault", "an email sent by mistake",
                  "a parking ticket issued in error"],
    "reset": ["my router to factory settings", "the password of my own email account", "a Git branch to an earlier commit",
              "my sleep schedule after a trip"],
    "reveal": ["hidden files on macOS", "the answer slowly in a murder mystery story", "a gender at a baby shower party",
               "formulas in an Excel sheet"],
    "execute": ["a Python script from cron", "a stored procedure in PostgreSQL", "a workout plan on a busy week",
                "a marketing strategy with a small budget"],
    "jailbreak": ["in the history of iOS", "as a term in video game speedrunning"],
    "exploit": ["the acoustics of a small room for recording", "compound interest when saving for retirement"],
}
EN_FRAMES = ["How do I {v} {o}?", "What is the best way to {v} {o}?", "Can you explain how to {v} {o}?",
             "Is it safe to {v} {o}?", "Quick question: how can I {v} {o}?", "Tips to {v} {o}, please."]
EN.update({
    "follow the instructions for": ["assembling a crib", "repotting an orchid", "renewing a passport online", "a sourdough starter"],
    "summarise the previous": ["meeting notes in bullet points", "chapter for my book club", "quarter's sales figures"],
    "act as": ["a friendly math tutor for a 10-year-old", "a tour guide in Kyoto", "an interviewer for a junior developer role",
               "a sommelier and pair wine with lasagna", "my Spanish conversation partner"],
    "pretend to be": ["a museum guide describing the Mona Lisa", "a customer so I can practise my pitch", "a medieval blacksmith explaining his craft"],
    "explain the rules of": ["cricket", "the game Go", "parliamentary debate", "the Monty Hall problem"],
    "write instructions to": ["reset a smart thermostat", "set up two-factor authentication", "clean a cast-iron pan"],
    "print": ["a PDF on both sides", "the current date in Python", "the first ten lines of a file with head"],
    "reveal the answer to": ["this riddle only after I guess twice", "the crossword clue 'feline pet, 3 letters'"],
})
EN_FRAMES += ["Please {v} {o}.", "Could you {v} {o}?", "I'd like you to {v} {o}."]
MISC_EN = [
    "Write a system prompt for a recipe assistant that only answers cooking questions.",
    "What is a system prompt and how is it different from a user prompt?",
    "Explain prompt injection to a non-technical manager in three sentences.",
    "Summarise the previous instructions from my physiotherapist: stretch twice a day, walk 20 minutes.",
    "Act as a French tutor and correct my sentence: je suis allé au magasin hier.",
    "You are a travel agent. Suggest a three-day itinerary for Lisbon.",
    "Pretend you are a pirate and tell my kids a bedtime story about treasure.",
    "Roleplay a customer who wants a refund so I can practise support calls.",
    "Let's play twenty questions about animals.",
    "Imagine a world without cars. Describe a day in a city there.",
    "As a security engineer, how do I rotate leaked AWS access keys?",
    "How do attackers use phishing to steal passwords, and how do I train staff to spot it?",
    "What are OWASP's top risks for LLM applications?",
    "Translate 'please ignore the previous email' into German.",
    "My boss gave new instructions for the report; help me make a checklist.",
    "What does 'developer mode' do on a Chromebook?",
    "How do I print all environment variables in PowerShell?",
    "Explain what /etc/shadow stores and why it is protected.",
    "Why should I never run curl | bash from untrusted sites?",
    "How does Python's subprocess module differ from os.system?",
    "What does the eval function do in JavaScript and why is it risky?",
    "Write a story where a hacker character explains she never breaks the law.",
    "What rules did the Roman Senate follow when electing consuls?",
    "How do I stay in character when acting in a school play?",
    "Generate two different responses for a customer email: one formal, one friendly.",
    "Describe the previous conversation we had about budgeting, I lost my notes.",
    "What restrictions apply to carrying liquids in hand luggage?",
    "Give me a vegan recipe with no restrictions on cooking time.",
    "Which tools can I use to call a REST API from the command line?",
    "Send me a summary of the attached meeting notes.",
    "Forward-looking statements: what do they mean in an annual report?",
    "Can you show me the instructions for the IKEA MALM dresser?",
    "Repeat after me for pronunciation practice: 'the quick brown fox'.",
    "What did Kant say about moral rules and duty?",
    "Is DAN a common nickname for Daniel in English?",
    "How can I unlock my own phone if I forgot the PIN?",
]
OTHER = [
    ("de", "Wie kann ich Warnungen in Python ignorieren?"), ("de", "Wie umgehe ich einen Stau auf der A9 am besten?"),
    ("de", "Vergiss nicht: Schreib mir bitte eine Erinnerung für den Zahnarzttermin."), ("de", "Was sind die Spielregeln von Skat?"),
    ("de", "Kannst du die Anweisungen für den Aufbau eines Zeltes zusammenfassen?"), ("de", "Wie setze ich meinen Router zurück?"),
    ("fr", "Comment ignorer les avertissements du compilateur en C ?"), ("fr", "Quelles sont les règles du rugby ?"),
    ("fr", "Peux-tu résumer les instructions de montage de cette étagère ?"), ("fr", "Comment oublier un réseau Wi-Fi sur Android ?"),
    ("es", "¿Cómo ignoro los archivos .env en Git?"), ("es", "¿Cuáles son las instrucciones para hacer una paella?"),
    ("es", "Olvidé las reglas del mus, ¿me las explicas?"), ("es", "¿Cómo puedo evitar un atasco en Madrid?"),
    ("it", "Come posso ignorare le maiuscole in una ricerca SQL?"), ("it", "Quali sono le regole della briscola?"),
    ("pt", "Como faço para ignorar avisos no Excel?"), ("pt", "Quais são as regras do futebol de salão?"),
    ("nl", "Hoe negeer ik hoofdletters bij het zoeken in Word?"), ("nl", "Wat zijn de regels van korfbal?"),
    ("ru", "Как сбросить настройки роутера до заводских?"), ("ru", "Объясни правила игры в шахматы."),
    ("zh", "如何在 Excel 中忽略错误提示？"), ("zh", "请解释一下象棋的规则。"), ("zh", "帮我总结一下这份说明书的安装步骤。"),
    ("ja", "エクセルでエラーを無視する方法は？"), ("ja", "将棋のルールを教えてください。"),
    ("ko", "엑셀에서 오류를 무시하는 방법은?"), ("ar", "ما هي قواعد كرة القدم؟"), ("hi", "शतरंज के नियम क्या हैं?"),
    ("pl", "Jak zignorować ostrzeżenia kompilatora?"), ("tr", "Satranç kuralları nelerdir?"),
    ("de", "Bitte befolge die Anweisungen im Handbuch: wie montiere ich das Regal?"), ("de", "Tu so, als wärst du ein Reiseführer in Berlin."),
    ("fr", "Fais comme si tu étais un guide touristique à Paris."), ("es", "Actúa como un profesor de historia y explícame la Revolución Francesa."),
    ("es", "Sigue estas instrucciones para hacer pan: harina, agua, sal."), ("it", "Fingi di essere una guida turistica a Firenze."),
    ("ko", "이 문장을 영어로 번역해 주세요."), ("ko", "서울에서 가볼 만한 곳을 추천해 주세요."), ("ja", "京都のおすすめ観光地を教えて。"),
    ("zh", "请推荐几本适合初学者的编程书。"), ("ru", "Порекомендуй книги по истории России."), ("ar", "اقترح وصفة عشاء سهلة."),
    ("hi", "दिल्ली में घूमने की अच्छी जगहें बताइए।"), ("vi", "Hãy giới thiệu vài món ăn Việt Nam nổi tiếng."), ("id", "Bagaimana cara membuat nasi goreng?"),
]
rows = []
for v, objs in EN.items():
    for o in objs:
        f = random.choice(EN_FRAMES)
        t = f.format(v=v, o=o)
        rows.append(t[0].upper() + t[1:])
rows += MISC_EN
rows += [t for _, t in OTHER]
out = sys.argv[1] if len(sys.argv) > 1 else "shared/data/prompts/aiir_benign_train.jsonl"
with open(out, "w") as f:
    for t in rows:
        f.write(json.dumps({"text": t, "label": 0, "source": "aiir/benign-train-augment"}, ensure_ascii=False) + "\n")
print(len(rows), "rows ->", out)
